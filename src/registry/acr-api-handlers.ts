import type { Kysely } from 'kysely';
import { DockyardError } from '../shared/index.js';
import { authorize } from './access-control.js';
import { validateRepositoryName, requireDigest } from './names.js';
import { sendEmpty, sendJson } from './http-util.js';
import { requestInfo, type RequestContext } from './context.js';
import type { RegistryTables } from './tables.js';

const CHANGEABLE = { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true };
type Order = 'timedesc' | 'timeasc' | undefined;

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
 * repositories, tags and manifests with their timestamps, tag and repository deletion.
 */
export async function handleAcrApi(ctx: RequestContext, path: string, method: string): Promise<void> {
  const rest = path.slice('/acr/v1/'.length);
  const db = ctx.deps.metadata.db as Kysely<RegistryTables>;
  const reg = ctx.registry.name;
  if (rest === '_catalog') {
    await authorize(ctx, { type: 'registry', name: 'catalog', actions: ['*'] });
    const names = await ctx.deps.metadata.catalog(reg, limit(ctx.url.searchParams.get('n')), ctx.url.searchParams.get('last') ?? undefined);
    return sendJson(ctx.res, 200, { repositories: names });
  }
  const m = /^(.+?)(?:\/(_tags|_manifests)(?:\/([^/]+))?)?$/.exec(rest);
  if (!m) throw new DockyardError('NAME_UNKNOWN');
  const repo = validateRepositoryName(m[1]);
  const kind = m[2];
  const item = m[3];
  const isDelete = method === 'DELETE';
  if (method !== 'GET' && !isDelete) throw new DockyardError('UNSUPPORTED');
  await authorize(ctx, { type: 'repository', name: repo, actions: [isDelete ? 'delete' : 'metadata_read'] });
  const evt = { registry: reg, loginServer: ctx.registry.loginServer, request: requestInfo(ctx) };
  const repoRow = await db.selectFrom('reg_repositories').selectAll().where('registry', '=', reg).where('name', '=', repo).executeTakeFirst();
  if (!repoRow) throw new DockyardError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name: repo } });

  if (!kind) {
    if (isDelete) {
      const r = await ctx.deps.metadata.deleteRepository(evt, repo);
      return sendJson(ctx.res, 202, r ?? { manifestsDeleted: [], tagsDeleted: [] });
    }
    const counts = await db
      .selectFrom('reg_repositories')
      .select((eb) => [
        eb.selectFrom('reg_manifests').select(eb.fn.countAll<number>().as('c')).where('registry', '=', reg).where('repository', '=', repo).as('manifestCount'),
        eb.selectFrom('reg_tags').select(eb.fn.countAll<number>().as('c')).where('registry', '=', reg).where('repository', '=', repo).as('tagCount'),
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
      changeableAttributes: { ...CHANGEABLE, teleportEnabled: false },
    });
  }

  if (kind === '_tags') {
    if (item && isDelete) {
      if (!(await ctx.deps.metadata.deleteTag(evt, repo, item))) throw new DockyardError('MANIFEST_UNKNOWN', 'tag unknown', { detail: { tag: item } });
      return sendEmpty(ctx.res, 202);
    }
    if (isDelete) throw new DockyardError('UNSUPPORTED');
    let q = db.selectFrom('reg_tags').selectAll().where('registry', '=', reg).where('repository', '=', repo);
    if (item) q = q.where('tag', '=', item);
    const o = order(ctx.url.searchParams.get('orderby'));
    q = o === 'timedesc' ? q.orderBy('updated_at', 'desc') : o === 'timeasc' ? q.orderBy('updated_at', 'asc') : q.orderBy('tag');
    const n = limit(ctx.url.searchParams.get('n'));
    if (n !== undefined) q = q.limit(n);
    const rows = await q.execute();
    const tags = rows.map((t) => ({ name: t.tag, digest: t.digest, createdTime: t.created_at, lastUpdateTime: t.updated_at, signed: false, changeableAttributes: CHANGEABLE }));
    if (item) {
      if (!tags.length) throw new DockyardError('MANIFEST_UNKNOWN', 'tag unknown', { detail: { tag: item } });
      return sendJson(ctx.res, 200, { registry: ctx.registry.loginServer, imageName: repo, tag: tags[0] });
    }
    return sendJson(ctx.res, 200, { registry: ctx.registry.loginServer, imageName: repo, tags });
  }

  // _manifests
  if (isDelete) {
    const digest = requireDigest(item);
    if (!(await ctx.deps.metadata.deleteManifest(evt, repo, digest))) throw new DockyardError('MANIFEST_UNKNOWN');
    return sendEmpty(ctx.res, 202);
  }
  let q = db.selectFrom('reg_manifests').select(['digest', 'media_type', 'size', 'content', 'created_at']).where('registry', '=', reg).where('repository', '=', repo);
  if (item) q = q.where('digest', '=', requireDigest(item));
  const o = order(ctx.url.searchParams.get('orderby'));
  q = o === 'timedesc' ? q.orderBy('created_at', 'desc') : o === 'timeasc' ? q.orderBy('created_at', 'asc') : q.orderBy('digest');
  const n = limit(ctx.url.searchParams.get('n'));
  if (n !== undefined) q = q.limit(n);
  const rows = await q.execute();
  const tagRows = await db.selectFrom('reg_tags').select(['tag', 'digest', 'updated_at']).where('registry', '=', reg).where('repository', '=', repo).orderBy('tag').execute();
  const manifests = [];
  for (const r of rows) {
    const mTags = tagRows.filter((t) => t.digest === r.digest);
    const lastUpdate = [r.created_at, ...mTags.map((t) => t.updated_at)].sort().pop()!;
    manifests.push({
      digest: r.digest,
      imageSize: await imageSize(r.content),
      createdTime: r.created_at,
      lastUpdateTime: lastUpdate,
      mediaType: r.media_type,
      ...(await platformOf(ctx, r.content)),
      tags: mTags.map((t) => t.tag),
      changeableAttributes: { ...CHANGEABLE, quarantineState: 'Passed' },
    });
  }
  if (item) {
    if (!manifests.length) throw new DockyardError('MANIFEST_UNKNOWN');
    return sendJson(ctx.res, 200, { registry: ctx.registry.loginServer, imageName: repo, manifest: manifests[0] });
  }
  return sendJson(ctx.res, 200, { registry: ctx.registry.loginServer, imageName: repo, manifests });
}

async function imageSize(content: Buffer): Promise<number> {
  try {
    const j = JSON.parse(content.toString('utf8')) as { config?: { size: number }; layers?: Array<{ size: number }> };
    return (j.config?.size ?? 0) + (j.layers ?? []).reduce((n, l) => n + (l.size ?? 0), 0) + content.length;
  } catch {
    return content.length;
  }
}

async function platformOf(ctx: RequestContext, content: Buffer): Promise<{ architecture?: string; os?: string; configMediaType?: string }> {
  try {
    const j = JSON.parse(content.toString('utf8')) as { config?: { digest: string; size: number; mediaType: string } };
    if (!j.config || j.config.size > 1024 * 1024) return {};
    const got = await ctx.deps.blobs.get(j.config.digest);
    if (!got) return { configMediaType: j.config.mediaType };
    const chunks: Buffer[] = [];
    for await (const c of got.stream) chunks.push(c as Buffer);
    const cfg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { architecture?: string; os?: string };
    return { architecture: cfg.architecture, os: cfg.os, configMediaType: j.config.mediaType };
  } catch {
    return {};
  }
}
