import type { Kysely } from 'kysely';
import { DockyardError } from '../shared/index.js';
import { authorize } from './access-control.js';
import { validateRepositoryName, requireDigest } from './names.js';
import { readBody, sendEmpty, sendJson } from './http-util.js';
import { disallowed, parseAttributes, type LockKind } from './locks.js';
import { tagsOf } from './manifest-handlers.js';
import { requestInfo, type RequestContext } from './context.js';
import type { RegistryTables } from './tables.js';
import { manifestPage } from './manifest-listing.js';

type Order = 'timedesc' | 'timeasc' | undefined;
/** `_manifests` page size without `n` (as ACR and az page by 100), and the largest page served. */
export const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

function order(v: string | null): Order {
  if (!v) return undefined;
  const s = v.toLowerCase().replace('_', '');
  if (s === 'timedesc' || s === 'timeasc') return s;
  throw new DockyardError('PAGINATION_NUMBER_INVALID', `invalid orderby '${v}'`);
}

function limit(v: string | null): number | undefined {
  if (!v) return undefined;
  if (!/^\d+$/.test(v)) throw new DockyardError('PAGINATION_NUMBER_INVALID', 'invalid number of results requested');
  return Number(v);
}

/**
 * ACR's metadata API (`/acr/v1/...`), used by `dockyard acr repository ...` and `acr manifest list-metadata`:
 * repositories, tags and manifests with their timestamps, tag and repository deletion, and their changeable
 * attributes (locks): `PATCH` with a flat `{writeEnabled, deleteEnabled, readEnabled, listEnabled}` body.
 */
export async function handleAcrApi(ctx: RequestContext, path: string, method: string): Promise<void> {
  const rest = path.slice('/acr/v1/'.length);
  const db = ctx.deps.metadata.db as Kysely<RegistryTables>;
  const reg = ctx.registry.name;
  if (rest === '_catalog') {
    await authorize(ctx, { type: 'registry', name: 'catalog', actions: ['*'] });
    const names = await ctx.deps.metadata.catalog(
      reg,
      limit(ctx.url.searchParams.get('n')),
      ctx.url.searchParams.get('last') ?? undefined,
    );
    return sendJson(ctx.res, 200, { repositories: names });
  }
  const m = /^(.+?)(?:\/(_tags|_manifests)(?:\/([^/]+))?)?$/.exec(rest);
  if (!m) throw new DockyardError('NAME_UNKNOWN');
  const repo = validateRepositoryName(m[1]);
  const kind = m[2];
  const item = m[3];
  const isDelete = method === 'DELETE';
  if (method === 'PATCH') return patchAttributes(ctx, repo, kind, item);
  if (method !== 'GET' && !isDelete) throw new DockyardError('UNSUPPORTED');
  await authorize(ctx, { type: 'repository', name: repo, actions: [isDelete ? 'delete' : 'metadata_read'] });
  const locks = ctx.deps.repoLocks;
  const lockRows = await locks.ofRepository(reg, repo);
  const attrsOf = (k: LockKind, i = '') => {
    const r = lockRows.find((x) => x.kind === k && x.item === i);
    return r
      ? {
          deleteEnabled: r.delete_enabled === 1,
          writeEnabled: r.write_enabled === 1,
          readEnabled: r.read_enabled === 1,
          listEnabled: r.list_enabled === 1,
        }
      : { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true };
  };
  const hidden = (k: LockKind, i: string) => lockRows.some((x) => x.kind === k && x.item === i && x.list_enabled === 0);
  const evt = { registry: reg, loginServer: ctx.registry.loginServer, request: requestInfo(ctx) };
  const repoRow = await db
    .selectFrom('reg_repositories')
    .selectAll()
    .where('registry', '=', reg)
    .where('name', '=', repo)
    .executeTakeFirst();
  if (!repoRow)
    throw new DockyardError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name: repo } });

  if (!kind) {
    if (isDelete) {
      // A lock on the repository or on any of its images refuses the repository's deletion.
      if (lockRows.some((x) => x.write_enabled === 0 || x.delete_enabled === 0)) throw disallowed();
      const r = await ctx.deps.metadata.deleteRepository(evt, repo);
      await locks.forget(reg, repo);
      return sendJson(ctx.res, 202, r ?? { manifestsDeleted: [], tagsDeleted: [] });
    }
    const counts = await db
      .selectFrom('reg_repositories')
      .select((eb) => [
        eb
          .selectFrom('reg_manifests')
          .select(eb.fn.countAll<number>().as('c'))
          .where('registry', '=', reg)
          .where('repository', '=', repo)
          .as('manifestCount'),
        eb
          .selectFrom('reg_tags')
          .select(eb.fn.countAll<number>().as('c'))
          .where('registry', '=', reg)
          .where('repository', '=', repo)
          .as('tagCount'),
      ])
      .where('registry', '=', reg)
      .where('name', '=', repo)
      .executeTakeFirstOrThrow();
    return sendJson(ctx.res, 200, {
      registry: ctx.registry.loginServer,
      imageName: repo,
      createdTime: repoRow.created_at,
      lastUpdateTime: repoRow.updated_at,
      manifestCount: Number(counts.manifestCount),
      tagCount: Number(counts.tagCount),
      changeableAttributes: { ...attrsOf('repository'), teleportEnabled: false },
    });
  }

  if (kind === '_tags') {
    if (item && isDelete) {
      await locks.check(reg, repo, 'delete', { tags: [item] });
      if (!(await ctx.deps.metadata.deleteTag(evt, repo, item)))
        throw new DockyardError('MANIFEST_UNKNOWN', 'tag unknown', { detail: { tag: item } });
      await locks.forget(reg, repo, { tags: [item] });
      return sendEmpty(ctx.res, 202);
    }
    if (isDelete) throw new DockyardError('UNSUPPORTED');
    let q = db.selectFrom('reg_tags').selectAll().where('registry', '=', reg).where('repository', '=', repo);
    if (item) q = q.where('tag', '=', item);
    const o = order(ctx.url.searchParams.get('orderby'));
    q =
      o === 'timedesc'
        ? q.orderBy('updated_at', 'desc')
        : o === 'timeasc'
          ? q.orderBy('updated_at', 'asc')
          : q.orderBy('tag');
    const n = limit(ctx.url.searchParams.get('n'));
    if (n !== undefined) q = q.limit(n);
    const rows = (await q.execute()).filter((t) => item || !hidden('tag', t.tag));
    const tags = rows.map((t) => ({
      name: t.tag,
      digest: t.digest,
      createdTime: t.created_at,
      lastUpdateTime: t.updated_at,
      signed: false,
      changeableAttributes: attrsOf('tag', t.tag),
    }));
    if (item) {
      if (!tags.length) throw new DockyardError('MANIFEST_UNKNOWN', 'tag unknown', { detail: { tag: item } });
      return sendJson(ctx.res, 200, { registry: ctx.registry.loginServer, imageName: repo, tag: tags[0] });
    }
    return sendJson(ctx.res, 200, { registry: ctx.registry.loginServer, imageName: repo, tags });
  }

  // _manifests
  if (isDelete) {
    const digest = requireDigest(item);
    const items = { manifests: [digest], tags: await tagsOf(ctx, repo, digest) };
    await locks.check(reg, repo, 'delete', items);
    if (!(await ctx.deps.metadata.deleteManifest(evt, repo, digest))) throw new DockyardError('MANIFEST_UNKNOWN');
    await locks.forget(reg, repo, items);
    return sendEmpty(ctx.res, 202);
  }
  const o = order(ctx.url.searchParams.get('orderby'));
  const digest = item ? requireDigest(item) : undefined;
  const n = digest ? 1 : Math.min(limit(ctx.url.searchParams.get('n')) ?? DEFAULT_PAGE, MAX_PAGE);
  const last = digest ? undefined : (ctx.url.searchParams.get('last') ?? undefined);
  const { manifests: page, more } =
    n === 0
      ? { manifests: [], more: false }
      : await manifestPage(db, ctx.deps.blobs, {
          registry: reg,
          repository: repo,
          n,
          last,
          order: o ?? 'digest',
          digest,
          signal: ctx.signal,
          onRow: ctx.deps.hooks?.manifestRow,
        });
  const manifests = page
    .filter((m) => digest || !hidden('manifest', m.digest))
    .map((m) => ({
      digest: m.digest,
      imageSize: m.imageSize,
      createdTime: m.createdTime,
      lastUpdateTime: m.lastUpdateTime,
      mediaType: m.mediaType,
      ...(m.architecture !== null ? { architecture: m.architecture } : {}),
      ...(m.os !== null ? { os: m.os } : {}),
      ...(m.configMediaType !== null ? { configMediaType: m.configMediaType } : {}),
      tags: m.tags,
      changeableAttributes: { ...attrsOf('manifest', m.digest), quarantineState: 'Passed' },
    }));
  if (digest) {
    if (!manifests.length) throw new DockyardError('MANIFEST_UNKNOWN');
    return sendJson(ctx.res, 200, { registry: ctx.registry.loginServer, imageName: repo, manifest: manifests[0] });
  }
  // Like the tags API: a `Link` to the next page (ACR's form: relative, `last`, `n`, and `orderby` when given).
  const headers: Record<string, string> = {};
  if (more) {
    const next = new URLSearchParams({ last: manifests[manifests.length - 1].digest, n: String(n) });
    if (o) next.set('orderby', o);
    headers.link = `</acr/v1/${repo}/_manifests?${next}>; rel="next"`;
  }
  return sendJson(ctx.res, 200, { registry: ctx.registry.loginServer, imageName: repo, manifests }, headers);
}

/** `PATCH /acr/v1/<repo>[/_tags/<tag>|/_manifests/<digest>]`: updates the item's changeable attributes, answers them. */
async function patchAttributes(
  ctx: RequestContext,
  repo: string,
  kind: string | undefined,
  item: string | undefined,
): Promise<void> {
  await authorize(ctx, { type: 'repository', name: repo, actions: ['metadata_write'] });
  const reg = ctx.registry.name;
  const patch = parseAttributes(JSON.parse((await readBody(ctx.req, 64 * 1024)).toString('utf8') || '{}') as unknown);
  const db = ctx.deps.metadata.db as Kysely<RegistryTables>;
  let lockKind: LockKind = 'repository';
  let key = '';
  if (kind === '_tags' && item) {
    if (
      !(await db
        .selectFrom('reg_tags')
        .select('tag')
        .where('registry', '=', reg)
        .where('repository', '=', repo)
        .where('tag', '=', item)
        .executeTakeFirst())
    )
      throw new DockyardError('MANIFEST_UNKNOWN', 'tag unknown', { detail: { tag: item } });
    [lockKind, key] = ['tag', item];
  } else if (kind === '_manifests' && item) {
    const digest = requireDigest(item);
    if (!(await ctx.deps.metadata.getManifest(reg, repo, digest))) throw new DockyardError('MANIFEST_UNKNOWN');
    [lockKind, key] = ['manifest', digest];
  } else if (kind) {
    throw new DockyardError('UNSUPPORTED');
  } else if (!(await ctx.deps.metadata.repositoryExists(reg, repo))) {
    throw new DockyardError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name: repo } });
  }
  const attrs = await ctx.deps.repoLocks.set(reg, repo, lockKind, key, patch);
  return sendJson(ctx.res, 200, attrs);
}
