import { DockyardError } from '../shared/index.js';
import type { BlobStore } from '../storage/index.js';
import type { RegistryMetadata } from './metadata.js';
import type { RegistryLocks } from './locks.js';
import type { RegistryInfo } from './ports.js';
import { summarizeManifest } from './manifest-summary.js';
import { parseManifest } from './manifest-parse.js';
import { isRepositoryName, isTag } from './names.js';

/** `repo:tag`, `repo@sha256:...` or `repo` (tag `latest`). */
export interface ImageRef {
  repository: string;
  reference: { tag: string } | { digest: string };
}

/** Parses an image reference without a registry host (az's `--source` after the login server, `--image`). */
export function parseImageRef(value: string, what: string): ImageRef {
  const at = value.indexOf('@');
  let repository: string;
  let reference: ImageRef['reference'];
  if (at >= 0) {
    repository = value.slice(0, at);
    reference = { digest: value.slice(at + 1) };
    if (!/^sha256:[a-f0-9]{64}$/.test(reference.digest))
      throw new DockyardError('InvalidParameter', `The ${what} '${value}' has an invalid digest.`);
  } else {
    const colon = value.lastIndexOf(':');
    const slash = value.lastIndexOf('/');
    repository = colon > slash ? value.slice(0, colon) : value;
    const tag = colon > slash ? value.slice(colon + 1) : 'latest';
    if (!isTag(tag)) throw new DockyardError('InvalidParameter', `The ${what} '${value}' has an invalid tag.`);
    reference = { tag };
  }
  if (!isRepositoryName(repository))
    throw new DockyardError('InvalidParameter', `The ${what} '${value}' has an invalid repository name.`);
  return { repository, reference };
}

export interface ImportResult {
  digest: string;
  mediaType: string;
  /** `repo:tag` written in the target (or `repo@digest` when untagged). */
  targets: string[];
  manifestsCopied: number;
  blobsLinked: number;
}

/**
 * `acr import` inside the registry module: copies a manifest (an index with its children) from one Dockyard registry
 * to another through the metadata store. Blobs are content-addressed in the shared blob store, so copying a blob is
 * linking it into the target repository after checking it exists. No bytes travel through a client. Callers check
 * rights and network rules first (src/app/wire-import.ts). `force: false` (mode NoForce) refuses to move an existing
 * target tag to another digest.
 */
export async function importImage(
  deps: { metadata: RegistryMetadata; blobs: BlobStore; repoLocks?: RegistryLocks },
  source: { registry: RegistryInfo; image: ImageRef },
  /** Target `repo:tag`s; a digest reference means "into this repository, untagged" (az's untaggedTargetRepositories). */
  target: { registry: RegistryInfo; tags: ImageRef[] },
  force: boolean,
): Promise<ImportResult> {
  const { metadata, blobs } = deps;
  const src = source.registry.name;
  const digest = await metadata.resolve(src, source.image.repository, source.image.reference);
  const root = digest ? await metadata.getManifest(src, source.image.repository, digest) : undefined;
  if (!digest || !root)
    throw new DockyardError(
      'InvalidParameter',
      `The source image ${source.registry.loginServer}/${formatRef(source.image)} was not found.`,
    );
  const targets = target.tags.length > 0 ? target.tags : [source.image];
  // Locks: the source must be readable, the targets writable (a locked target tag is never overwritten, even with --force).
  await deps.repoLocks?.check(src, source.image.repository, 'read', {
    tags: 'tag' in source.image.reference ? [source.image.reference.tag] : [],
    manifests: [digest],
  });
  for (const t of targets)
    await deps.repoLocks?.check(target.registry.name, t.repository, 'write', {
      tags: 'tag' in t.reference ? [t.reference.tag] : [],
    });
  for (const t of targets) {
    if (force || !('tag' in t.reference)) continue;
    const existing = await metadata.resolve(target.registry.name, t.repository, t.reference);
    if (existing && existing !== digest)
      throw new DockyardError(
        'Conflict',
        `Tag ${formatRef(t)} already exists in target registry ${target.registry.name}. Use --force to overwrite it.`,
      );
  }
  const counts = { manifestsCopied: 0, blobsLinked: 0 };
  const ev = { registry: target.registry.name, loginServer: target.registry.loginServer };
  const copy = async (repo: string, d: string, tag: string | undefined, seen: Set<string>): Promise<string> => {
    const m = d === digest ? root : await metadata.getManifest(src, source.image.repository, d);
    if (!m)
      throw new DockyardError(
        'InvalidParameter',
        `The source manifest ${d} is missing from ${source.image.repository}.`,
      );
    const parsed = parseManifest(Buffer.from(m.content), m.media_type);
    for (const child of parsed.manifests) {
      if (seen.has(child.digest)) continue;
      seen.add(child.digest);
      await copy(repo, child.digest, undefined, seen);
    }
    for (const b of parsed.blobs) {
      const link = await metadata.blobLink(src, source.image.repository, b.digest);
      const info = await blobs.stat(b.digest);
      if (!link || !info) throw new DockyardError('InvalidParameter', `The source blob ${b.digest} is missing.`);
      await metadata.linkBlob(target.registry.name, repo, b.digest, info.size);
      counts.blobsLinked++;
    }
    await metadata.putManifest(
      ev,
      repo,
      parsed,
      Buffer.from(m.content),
      tag,
      await summarizeManifest(Buffer.from(m.content), blobs),
    );
    counts.manifestsCopied++;
    return parsed.mediaType;
  };
  let mediaType = root.media_type;
  for (const t of targets)
    mediaType = await copy(t.repository, digest, 'tag' in t.reference ? t.reference.tag : undefined, new Set([digest]));
  return {
    digest,
    mediaType,
    targets: targets.map((t) => ('tag' in t.reference ? formatRef(t) : `${t.repository}@${digest}`)),
    ...counts,
  };
}

const formatRef = (r: ImageRef): string =>
  'tag' in r.reference ? `${r.repository}:${r.reference.tag}` : `${r.repository}@${r.reference.digest}`;
