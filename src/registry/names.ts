import { DockyardError, parseDigest } from '../shared/index.js';

/** The distribution-spec repository name grammar (path components of lowercase alphanumerics and separators). */
const REPO_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
export const MAX_REPO_NAME = 255;

export function isRepositoryName(name: string): boolean {
  return name.length <= MAX_REPO_NAME && REPO_RE.test(name);
}

export function validateRepositoryName(name: string): string {
  if (!isRepositoryName(name)) {
    throw new DockyardError('NAME_INVALID', 'invalid repository name', { detail: { name } });
  }
  return name;
}

export const isTag = (s: string): boolean => TAG_RE.test(s);

/** A manifest reference is a tag or a digest. */
export function parseReference(ref: string): { tag: string } | { digest: string } {
  if (ref.includes(':')) {
    if (!parseDigest(ref)) throw new DockyardError('DIGEST_INVALID', 'invalid digest', { detail: { digest: ref } });
    return { digest: ref };
  }
  if (!isTag(ref)) throw new DockyardError('TAG_INVALID', 'invalid tag', { detail: { tag: ref } });
  return { tag: ref };
}

export function requireDigest(d: string | null | undefined): string {
  if (!d || !parseDigest(d))
    throw new DockyardError('DIGEST_INVALID', 'invalid digest', { detail: { digest: d ?? null } });
  if (!d.startsWith('sha256:'))
    throw new DockyardError('UNSUPPORTED', 'only sha256 digests are supported', { detail: { digest: d } });
  return d;
}
