/** Minimal docker image reference handling (distribution reference grammar, as the docker CLI normalises it). */

export interface ImageRef {
  /** Registry host; `docker.io` when the reference has none. */
  registry: string;
  /** Repository path without the registry, e.g. `library/busybox`, `reg1/app`. */
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(ref: string): ImageRef {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  let registry = 'docker.io';
  let repository = rest;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    repository = rest.slice(slash + 1);
  }
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  if (!tag && !digest) tag = 'latest';
  return { registry, repository, tag, digest };
}

/** `repo` and `tag` as the Engine API's tag/push endpoints want them (repo keeps the registry host). */
export function splitRepoTag(ref: string): { repo: string; tag: string } {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = noDigest.lastIndexOf(':');
  if (colon > noDigest.lastIndexOf('/')) return { repo: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1) };
  return { repo: noDigest, tag: 'latest' };
}

/** The registry host of a reference (`docker.io` when unqualified). */
export const registryHostOf = (ref: string): string => parseImageRef(ref).registry;

/**
 * The digest of `ref` among an image's RepoDigests (`name@sha256:...`): only an entry of the same registry and
 * repository counts. One image ID can carry digests of other repositories (an image pushed elsewhere from the same
 * layers), which are not `ref`'s digest.
 */
export function repoDigestFor(ref: string, repoDigests: readonly string[] | undefined): string | undefined {
  const want = parseImageRef(ref);
  for (const rd of repoDigests ?? []) {
    const got = parseImageRef(rd);
    if (got.digest && got.registry === want.registry && got.repository === want.repository) return got.digest;
  }
  return undefined;
}
