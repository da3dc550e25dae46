import type { Kysely } from 'kysely';
import type { BlobStore } from '../storage/index.js';
import { summaryColumns } from './metadata-rows.js';
import { summarizeManifest } from './manifest-summary.js';
import type { RegistryTables } from './tables.js';

type Db = Kysely<RegistryTables>;
export type ManifestOrder = 'digest' | 'timeasc' | 'timedesc';

export interface ListedManifest {
  digest: string;
  mediaType: string;
  createdTime: string;
  lastUpdateTime: string;
  imageSize: number;
  configMediaType: string | null;
  architecture: string | null;
  os: string | null;
  tags: string[];
}

export interface ManifestPageQuery {
  registry: string;
  repository: string;
  /** Page size (the caller caps it). */
  n: number;
  /** The last digest of the previous page. */
  last?: string;
  order: ManifestOrder;
  /** Only this digest (`_manifests/<digest>`). */
  digest?: string;
  /** Aborted when the client went away or the server stops: the page is abandoned between two reads. */
  signal?: AbortSignal;
  /** Called once per manifest built (tests count and slow it down). */
  onRow?: () => Promise<void> | void;
}

const COLUMNS = [
  'digest',
  'media_type',
  'created_at',
  'image_size',
  'config_media_type',
  'architecture',
  'os',
  'summarized',
] as const;

/**
 * One page of a repository's manifests with their tags and platform, for `/acr/v1/<repo>/_manifests`. Keyset
 * pagination on an index (digest, or created_at+digest), the page's tags in one indexed query, and platform fields
 * from the row: the cost of a page does not depend on the size of the repository.
 */
export async function manifestPage(
  db: Db,
  blobs: Pick<BlobStore, 'get'>,
  q: ManifestPageQuery,
): Promise<{ manifests: ListedManifest[]; more: boolean }> {
  let sel = db
    .selectFrom('reg_manifests')
    .select(COLUMNS)
    .where('registry', '=', q.registry)
    .where('repository', '=', q.repository);
  if (q.digest) sel = sel.where('digest', '=', q.digest);
  if (q.last && q.order === 'digest') sel = sel.where('digest', '>', q.last);
  if (q.last && q.order !== 'digest') {
    const at = await db
      .selectFrom('reg_manifests')
      .select('created_at')
      .where('registry', '=', q.registry)
      .where('repository', '=', q.repository)
      .where('digest', '=', q.last)
      .executeTakeFirst();
    // The previous page's last manifest is gone: nothing can be placed after it.
    if (!at) return { manifests: [], more: false };
    const cmp = q.order === 'timeasc' ? '>' : '<';
    const t = at.created_at;
    const last = q.last;
    sel = sel.where((eb) =>
      eb.or([eb('created_at', cmp, t), eb.and([eb('created_at', '=', t), eb('digest', cmp, last)])]),
    );
  }
  if (q.order === 'digest') sel = sel.orderBy('digest');
  else {
    const dir = q.order === 'timeasc' ? 'asc' : 'desc';
    sel = sel.orderBy('created_at', dir).orderBy('digest', dir);
  }
  const rows = await sel.limit(q.n + 1).execute();
  q.signal?.throwIfAborted();
  const more = rows.length > q.n;
  const page = rows.slice(0, q.n);
  if (page.length === 0) return { manifests: [], more: false };
  const tagRows = await db
    .selectFrom('reg_tags')
    .select(['tag', 'digest', 'updated_at'])
    .where('registry', '=', q.registry)
    .where('repository', '=', q.repository)
    .where(
      'digest',
      'in',
      page.map((r) => r.digest),
    )
    .orderBy('tag')
    .execute();
  const tagsOf = new Map<string, Array<{ tag: string; updated_at: string }>>();
  for (const t of tagRows) {
    const list = tagsOf.get(t.digest) ?? [];
    list.push(t);
    tagsOf.set(t.digest, list);
  }
  const manifests: ListedManifest[] = [];
  for (const r of page) {
    q.signal?.throwIfAborted();
    await q.onRow?.();
    const row = r.summarized ? r : { ...r, ...(await summarizeRow(db, blobs, q.registry, q.repository, r.digest)) };
    const mTags = tagsOf.get(r.digest) ?? [];
    let lastUpdate = r.created_at;
    for (const t of mTags) if (t.updated_at > lastUpdate) lastUpdate = t.updated_at;
    manifests.push({
      digest: r.digest,
      mediaType: r.media_type,
      createdTime: r.created_at,
      lastUpdateTime: lastUpdate,
      imageSize: row.image_size ?? 0,
      configMediaType: row.config_media_type,
      architecture: row.architecture,
      os: row.os,
      tags: mTags.map((t) => t.tag),
    });
  }
  return { manifests, more };
}

/** Fills the summary of one row stored before summaries existed (once; later listings read the columns). */
async function summarizeRow(
  db: Db,
  blobs: Pick<BlobStore, 'get'>,
  registry: string,
  repository: string,
  digest: string,
) {
  const m = await db
    .selectFrom('reg_manifests')
    .select('content')
    .where('registry', '=', registry)
    .where('repository', '=', repository)
    .where('digest', '=', digest)
    .executeTakeFirst();
  const cols = summaryColumns(await summarizeManifest(m?.content ?? Buffer.alloc(0), blobs));
  await db
    .updateTable('reg_manifests')
    .set(cols)
    .where('registry', '=', registry)
    .where('repository', '=', repository)
    .where('digest', '=', digest)
    .execute();
  return cols;
}

/**
 * Backfill for manifests pushed before the summary columns existed: reads each one's config blob once, in batches.
 * Runs in the background after start; stops early when `signal` aborts. Returns the number of rows filled.
 */
export async function backfillSummaries(
  db: Db,
  blobs: Pick<BlobStore, 'get'>,
  signal?: AbortSignal,
  batch = 200,
): Promise<number> {
  let done = 0;
  for (;;) {
    if (signal?.aborted) return done;
    const rows = await db
      .selectFrom('reg_manifests')
      .select(['registry', 'repository', 'digest'])
      .where('summarized', '=', 0)
      .limit(batch)
      .execute();
    for (const r of rows) {
      if (signal?.aborted) return done;
      await summarizeRow(db, blobs, r.registry, r.repository, r.digest);
      done++;
    }
    if (rows.length < batch) return done;
  }
}
