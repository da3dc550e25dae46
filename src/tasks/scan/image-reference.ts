/**
 * Image references following the distribution reference grammar (github.com/distribution/reference), plus ACR's
 * normalisation for dependency records (ACR §4.3). Pure functions: the caller decides how unqualified names resolve.
 */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const PATH = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

export const DOCKER_HUB = 'registry.hub.docker.com';

export interface ImageReference {
  /** Registry host (with port), or '' when the reference names none. */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface ImageRecord {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
  reference: string;
}

export class InvalidReferenceError extends Error {
  constructor(
    readonly ref: string,
    reason: string,
  ) {
    super(`invalid reference format "${ref}": ${reason}`);
    this.name = 'InvalidReferenceError';
  }
}

/** A first path component is a registry when it has a dot or a port, or is `localhost`. */
function isDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

/** Parses a reference without normalising it. Throws InvalidReferenceError. */
export function parseImageReference(ref: string): ImageReference {
  if (ref === '') throw new InvalidReferenceError(ref, 'empty reference');
  const m = REFERENCE.exec(ref);
  if (!m) {
    if (
      /[A-Z]/.test(
        ref.split(/[:@]/)[0].split('/').slice(1).join('/') || (isDomain(ref.split('/')[0]) ? '' : ref.split(/[:@]/)[0]),
      )
    ) {
      throw new InvalidReferenceError(ref, 'repository name must be lowercase');
    }
    throw new InvalidReferenceError(ref, 'does not match the reference grammar');
  }
  const name = m[1];
  if (name.length > 255) throw new InvalidReferenceError(ref, 'repository name must not be more than 255 characters');
  const slash = name.indexOf('/');
  let registry = '';
  let repository = name;
  if (slash > 0 && isDomain(name.slice(0, slash))) {
    registry = name.slice(0, slash);
    repository = name.slice(slash + 1);
  }
  if (!PATH.test(repository)) throw new InvalidReferenceError(ref, 'invalid repository path');
  return { registry, repository, tag: m[2], digest: m[3] };
}

export interface NormaliseOptions {
  /** Registry for references without one (ACR: registry.hub.docker.com, with `library/` for single names). */
  defaultRegistry?: string;
}

/** ACR's normalisation: `:latest` when no tag/digest; Docker Hub + `library/` for unqualified single names. */
export function normaliseImageReference(ref: string, options: NormaliseOptions = {}): ImageRecord {
  if (ref === 'scratch')
    return { registry: '', repository: 'scratch', tag: 'latest', digest: '', reference: 'scratch:latest' };
  const p = parseImageReference(ref);
  const defaultRegistry = options.defaultRegistry ?? DOCKER_HUB;
  let registry = p.registry;
  let repository = p.repository;
  if (!registry) {
    registry = defaultRegistry;
    if ((registry === DOCKER_HUB || registry === 'docker.io') && !repository.includes('/'))
      repository = `library/${repository}`;
  } else if (registry === 'docker.io' || registry === 'index.docker.io') {
    registry = DOCKER_HUB;
    if (!repository.includes('/')) repository = `library/${repository}`;
  }
  const tag = p.tag ?? (p.digest ? '' : 'latest');
  const digest = p.digest ?? '';
  const reference = `${registry}/${repository}${tag ? ':' + tag : ''}${digest ? '@' + digest : ''}`;
  return { registry, repository, tag, digest, reference };
}

/** Lets a runner decide where an image really comes from (e.g. Dockyard's offline library). */
export type ReferenceResolver = (ref: string, parsed: ImageReference) => string;
