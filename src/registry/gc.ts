import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { BlobStore } from '../storage/index.js';
import type { Logger } from '../shared/index.js';
import type { RegistryMetadata } from './metadata.js';
import type { RegistryTables } from './tables.js';
import type { DigestLocks } from './digest-locks.js';
import type { DigestMarks } from './digest-marks.js';
import type { RegistryDirectory } from './ports.js';
import { expireUntaggedManifests } from './retention.js';
import { RegistryLocks } from './locks.js';

/** The cluster's lease primitive (src/cluster Leases): `fn` runs only while this node holds the named lease. */
export interface GcLeases {
  withLease<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined>;
}

export const GC_LEASE = 'registry.gc';
/** Renewed every third of it while a pass runs; a node that died mid-pass is replaced after this. */
const GC_LEASE_TTL_MS = 60_000;

export interface GcResult {
  linksRemoved: number;
  blobsDeleted: number;
  bytesFreed: number;
  uploadsRemoved: number;
  /** Untagged manifests deleted by registries' retention policies. */
  manifestsExpired: number;
  /** True when another API node held the GC lease, so this pass did nothing. */
  skipped?: boolean;
}

const empty = (): GcResult => ({
  linksRemoved: 0,
  blobsDeleted: 0,
  bytesFreed: 0,
  uploadsRemoved: 0,
  manifestsExpired: 0,
});

/**
 * Online garbage collection, no stop-the-world:
 * 0. registries with an enabled retention policy lose their untagged manifests older than the policy (retention.ts);
 * 1. blob links untouched for the grace period and referenced by no manifest of their repository are dropped;
 * 2. a stored blob with no link left is deleted (under its digest lock and, across API nodes, its digest mark,
 *    re-checked inside them, so a concurrent push on any node that reuses the digest either sees the file or
 *    re-creates it);
 * 3. upload sessions older than a day, and uploads with no session (crash leftovers), are removed unless the store
 *    reports them active (touched by any node within the activity window: another node may be writing them).
 * With several API nodes a pass runs on one node at a time (the `registry.gc` lease; retention is part of the pass).
 */
export class GarbageCollector {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running: Promise<GcResult> | undefined;
  /** Told after each pass (metrics: freed bytes). Must not throw. */
  readonly completed: Array<(result: GcResult) => void> = [];

  constructor(
    private readonly metadata: RegistryMetadata,
    private readonly blobs: BlobStore,
    private readonly locks: DigestLocks,
    private readonly graceSeconds: number,
    private readonly log: Logger,
    private readonly now: () => number = () => Date.now(),
    private readonly directory?: RegistryDirectory,
    /** One pass at a time across API nodes (a lease with expiry); absent: this process only. */
    private readonly leases?: GcLeases,
    private readonly marks?: DigestMarks,
  ) {}

  start(intervalMs = 10 * 60_000): void {
    const tick = () => void this.run().catch((err) => this.log.error({ err }, 'registry gc failed'));
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
    // A first pass soon after start removes uploads a crash left behind.
    this.first = setTimeout(tick, Math.min(intervalMs, 30_000));
    this.first.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearTimeout(this.first);
  }

  /** One pass; `skipped` (and nothing done) when another API node is running one (it holds the GC lease). */
  run(): Promise<GcResult> {
    const pass = () =>
      this.leases ? this.leases.withLease(GC_LEASE, GC_LEASE_TTL_MS, () => this.collect()) : this.collect();
    this.running ??= pass()
      .then((r) => r ?? { ...empty(), skipped: true })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async collect(): Promise<GcResult> {
    const db = this.metadata.db as Kysely<RegistryTables>;
    const cutoff = new Date(this.now() - this.graceSeconds * 1000).toISOString();
    const res = empty();
    if (this.directory) {
      // A manifest (or any of its tags, or its repository) with deleteEnabled/writeEnabled false is kept.
      const locks = new RegistryLocks(this.metadata.db);
      const isLocked = (registry: string, repository: string, digest: string) =>
        locks.check(registry, repository, 'delete', { manifests: [digest] }).then(
          () => false,
          () => true,
        );
      res.manifestsExpired = await expireUntaggedManifests(
        this.metadata,
        this.directory,
        this.now(),
        this.log,
        isLocked,
      );
    }
    const dropped = await db
      .deleteFrom('reg_blob_links')
      .where('touched_at', '<', cutoff)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('reg_manifest_refs as r')
              .select('r.ref')
              .whereRef('r.registry', '=', 'reg_blob_links.registry')
              .whereRef('r.repository', '=', 'reg_blob_links.repository')
              .whereRef('r.ref', '=', 'reg_blob_links.digest'),
          ),
        ),
      )
      .executeTakeFirst();
    res.linksRemoved = Number(dropped.numDeletedRows);
    // Links of any registry may have gone: the data plane's hot reads must not serve them any more.
    if (res.linksRemoved) this.metadata.hot.invalidateAll();
    const linked = async (digest: string) =>
      Boolean(
        await db
          .selectFrom('reg_blob_links')
          .select(sql<number>`1`.as('x'))
          .where('digest', '=', digest)
          .executeTakeFirst(),
      );
    for await (const digest of this.blobs.list()) {
      // Cheap check first; the doom (collect) and the re-check inside it decide.
      if (await linked(digest)) continue;
      await this.locks.collect(digest, async () => {
        if (await linked(digest)) return;
        const st = await this.blobs.stat(digest);
        if (st && (await this.blobs.delete(digest))) {
          res.blobsDeleted++;
          res.bytesFreed += st.size;
        }
      });
    }
    await this.marks?.sweep();
    const dayAgo = new Date(this.now() - 24 * 3600_000).toISOString();
    const stale = await db.selectFrom('reg_uploads').select('id').where('started_at', '<', dayAgo).execute();
    const live = new Set((await db.selectFrom('reg_uploads').select('id').execute()).map((r) => r.id));
    for (const s of stale) live.delete(s.id);
    for (const id of await this.blobs.listUploads()) {
      if (live.has(id) || (await this.blobs.isUploadActive(id))) continue;
      await this.blobs.abortUpload(id);
      res.uploadsRemoved++;
    }
    if (stale.length) await db.deleteFrom('reg_uploads').where('started_at', '<', dayAgo).execute();
    if (res.blobsDeleted || res.linksRemoved || res.uploadsRemoved || res.manifestsExpired)
      this.log.info({ ...res }, 'registry gc');
    for (const l of this.completed) l(res);
    return res;
  }
}
