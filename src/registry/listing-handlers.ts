import { DockyardError } from '../shared/index.js';
import { requireDigest } from './names.js';
import { sendJson } from './http-util.js';
import { MT } from './media-types.js';
import type { RequestContext } from './context.js';

const MAX_PAGE = 10_000;

function pageSize(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v))
    throw new DockyardError('PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { detail: { n: v } });
  return Math.min(Number(v), MAX_PAGE);
}

function nextLink(path: string, n: number | undefined, items: string[]): Record<string, string> {
  if (n === undefined || n === 0 || items.length < n) return {};
  const last = items[items.length - 1];
  return { link: `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"` };
}

/** `GET /v2/<name>/tags/list?n=&last=`. */
export async function listTags(ctx: RequestContext, repository: string): Promise<void> {
  const { deps, registry, url } = ctx;
  const n = pageSize(url.searchParams.get('n'));
  const last = url.searchParams.get('last') ?? undefined;
  if (!(await deps.metadata.repositoryExists(registry.name, repository)))
    throw new DockyardError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name: repository } });
  const tags =
    n === 0 ? [] : await deps.metadata.listTags(registry.name, repository, n === undefined ? undefined : n + 1, last);
  const page = n === undefined ? tags : tags.slice(0, n);
  const more = n !== undefined && tags.length > n;
  sendJson(
    ctx.res,
    200,
    { name: repository, tags: page },
    more ? nextLink(`/v2/${repository}/tags/list`, n, page) : {},
  );
}

/** `GET /v2/_catalog?n=&last=`. */
export async function catalog(ctx: RequestContext): Promise<void> {
  const { deps, registry, url } = ctx;
  const n = pageSize(url.searchParams.get('n'));
  const last = url.searchParams.get('last') ?? undefined;
  const repos = n === 0 ? [] : await deps.metadata.catalog(registry.name, n === undefined ? undefined : n + 1, last);
  const page = n === undefined ? repos : repos.slice(0, n);
  const more = n !== undefined && repos.length > n;
  sendJson(ctx.res, 200, { repositories: page }, more ? nextLink('/v2/_catalog', n, page) : {});
}

/** `GET /v2/<name>/referrers/<digest>?artifactType=`: an image index of the manifests whose subject is <digest>. */
export async function referrers(ctx: RequestContext, repository: string, digestParam: string): Promise<void> {
  const digest = requireDigest(digestParam);
  const filter = ctx.url.searchParams.get('artifactType');
  const rows = await ctx.deps.metadata.referrers(ctx.registry.name, repository, digest);
  const manifests = rows
    .filter((r) => !filter || r.artifact_type === filter)
    .map((r) => ({
      mediaType: r.media_type,
      digest: r.digest,
      size: r.size,
      ...(r.artifact_type ? { artifactType: r.artifact_type } : {}),
      ...(r.annotations ? { annotations: JSON.parse(r.annotations) as Record<string, string> } : {}),
    }));
  const headers: Record<string, string> = filter ? { 'oci-filters-applied': 'artifactType' } : {};
  sendJson(ctx.res, 200, { schemaVersion: 2, mediaType: MT.ociIndex, manifests }, headers, MT.ociIndex);
}
