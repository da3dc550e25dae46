import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Authorizer } from '../http/index.js';
import { systemClock, type Clock, type Logger } from '../shared/index.js';
import { FsBlobStore, type BlobStore, type SqlDatabase } from '../storage/index.js';
import { AdminUsers } from './admin-user.js';
import { createDataPlane, type DataPlane } from './data-plane.js';
import { backfillSummaries } from './manifest-listing.js';
import { DigestLocks } from './digest-locks.js';
import { registryKeys, type RegistryKeyStore } from './registry-keys.js';
import { GarbageCollector, type GcLeases } from './gc.js';
import { DigestMarks } from './digest-marks.js';
import { RegistryMetadata } from './metadata.js';
import { registryArmRoutes, type RegistryArmDeps } from './arm-routes.js';
import { TokenService } from './token-service.js';
import { ScopeMaps } from './scope-maps.js';
import { RegistryTokens } from './repo-tokens.js';
import { RegistryLocks } from './locks.js';
import { DailyStats, teeObserver } from './daily-stats.js';
import type { RegistryDeps, RegistryLimits } from './context.js';
import type { RegistryTables } from './tables.js';
import type { Kysely } from 'kysely';
import type { RegistryAccessPort, RegistryDirectory, RegistryObserver } from './ports.js';

export interface RegistryModuleOptions {
  db: SqlDatabase;
  dataDir: string;
  tenantId: string;
  directory: RegistryDirectory;
  access: RegistryAccessPort;
  log: Logger;
  gcGraceSeconds: number;
  /** Defaults to FsBlobStore under `<dataDir>` (`blobs/sha256/ab/<hex>`, `uploads/<id>`). */
  blobs?: BlobStore;
  limits?: Partial<RegistryLimits>;
  /** Background GC interval; 0 disables the timer (tests call `gc.run()`). */
  gcIntervalMs?: number;
  /** Time source of GC (grace period, retention policy). */
  clock?: Clock;
  /** Bytes pushed and pulled (metrics). */
  observer?: RegistryObserver;
  /** Installation-wide keys (token signing, admin passwords): the same on every API node. */
  keys: RegistryKeyStore;
  /** GC and retention on one node at a time (cluster leases); absent: this process only. */
  leases?: GcLeases;
  /**
   * Other API nodes share the database and blob store: blob linking writes digest marks so their GC cannot delete a
   * blob being linked here (docs/designs/several-nodes.md). Off: the in-process digest locks alone (one node).
   */
  digestMarks?: boolean;
  /** How often the per-day push/pull counts are written (ms; 0: only on read and close). */
  dailyStatsFlushMs?: number;
}

export interface RegistryModule {
  /** Install with `listeners.setHandler(module.handler)`. */
  handler: DataPlane;
  /** Counters (abandoned requests) and test seams shared with the handlers. */
  stats: RegistryDeps['stats'];
  hooks: NonNullable<RegistryDeps['hooks']>;
  /** Resolves when the summary backfill of pre-existing manifests is done (or stopped). */
  backfilled: Promise<number>;
  metadata: RegistryMetadata;
  blobs: BlobStore;
  tokens: TokenService;
  admins: AdminUsers;
  scopeMaps: ScopeMaps;
  /** Tokens (repository-scoped credentials) of every registry. */
  repoTokens: RegistryTokens;
  /** Changeable attributes (locks); `acr import` honours them too. */
  repoLocks: RegistryLocks;
  gc: GarbageCollector;
  /** Pushes, pulls and storage per registry and day (the dashboard's charts). */
  dailyStats: DailyStats;
  /** Bytes referenced by each repository (blobs and manifests; a blob shared by two repositories counts in both). */
  repositoryBytes(registry: string): Promise<Array<{ repository: string; bytes: number }>>;
  /** The ARM plugin for `listCredentials` / `regenerateCredential`, scope maps, tokens and `generateCredentials`. */
  armRoutes(
    authorizer: Authorizer,
    apiVersions: readonly string[],
    extraUsages?: RegistryArmDeps['extraUsages'],
  ): FastifyPluginAsync;
  /** Everything of a deleted registry (by ARM id): repositories, tags, links, tokens and scope maps. */
  purgeRegistry(registryId: string): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_LIMITS: RegistryLimits = { maxBlobSize: 20 * 1024 ** 3, maxManifestSize: 4 * 1024 * 1024 };

/** Builds the registry data plane (OCI distribution API + Docker token auth) from its ports. */
export async function createRegistryModule(o: RegistryModuleOptions): Promise<RegistryModule> {
  const log = o.log.child({ module: 'registry' });
  const clock = o.clock ?? systemClock;
  const blobs = o.blobs ?? new FsBlobStore(join(o.dataDir));
  const metadata = new RegistryMetadata(o.db);
  const keys = await registryKeys(o.keys, o.dataDir);
  const tokens = await TokenService.open(keys.tokenJwk);
  const admins = new AdminUsers(o.db, keys.adminPasswordKey, o.tenantId);
  const scopeMaps = new ScopeMaps(o.db);
  const repoTokens = new RegistryTokens(o.db, scopeMaps, o.tenantId);
  const repoLocks = new RegistryLocks(o.db);
  // Digest marks order blob linking against GC across API nodes; the in-process locks stay the fast path.
  const marks = o.digestMarks ? new DigestMarks(o.db, () => clock.now().getTime()) : undefined;
  const locks = new DigestLocks(marks);
  const gc = new GarbageCollector(
    metadata,
    blobs,
    locks,
    o.gcGraceSeconds,
    log,
    () => clock.now().getTime(),
    o.directory,
    o.leases,
    marks,
  );
  const dailyStats = new DailyStats(
    o.db,
    (r) => metadata.storageBytesOf(r),
    clock,
    (err) => log.error({ err }, 'daily registry stats flush failed'),
    o.dailyStatsFlushMs,
  );
  const stats = { abandoned: 0 };
  const hooks: NonNullable<RegistryDeps['hooks']> = {};
  const handler = createDataPlane({
    metadata,
    blobs,
    tokens,
    admins,
    access: o.access,
    directory: o.directory,
    repoTokens,
    repoLocks,
    locks,
    limits: { ...DEFAULT_LIMITS, ...o.limits },
    log,
    stats,
    hooks,
    observer: teeObserver(o.observer, dailyStats),
  });
  if ((o.gcIntervalMs ?? 600_000) > 0) gc.start(o.gcIntervalMs ?? 600_000);
  const stopBackfill = new AbortController();
  const backfilled = new Promise<void>((r) => setImmediate(r))
    .then(() => backfillSummaries(metadata.db as Kysely<RegistryTables>, blobs, stopBackfill.signal))
    .then((n) => {
      if (n) log.info({ manifests: n }, 'manifest summaries backfilled');
      return n;
    })
    .catch((err: Error) => {
      if (!stopBackfill.signal.aborted) log.error({ err }, 'manifest summary backfill failed');
      return 0;
    });
  return {
    handler,
    stats,
    hooks,
    backfilled,
    metadata,
    blobs,
    tokens,
    admins,
    scopeMaps,
    repoTokens,
    repoLocks,
    gc,
    dailyStats,
    repositoryBytes: (r) => metadata.repositoryBytes(r),
    armRoutes: (authorizer, apiVersions, extraUsages) =>
      registryArmRoutes({
        directory: o.directory,
        admins,
        authorizer,
        apiVersions,
        scopeMaps,
        repoTokens,
        storageBytes: (r) => metadata.storageBytesOf(r),
        extraUsages,
      }),
    async purgeRegistry(registryId) {
      await metadata.purgeRegistry(registryId.split('/').pop()!);
      await dailyStats.purgeRegistry(registryId.split('/').pop()!);
      await repoTokens.purgeRegistry(registryId);
      await scopeMaps.purgeRegistry(registryId);
      await repoLocks.purgeRegistry(registryId.split('/').pop()!);
    },
    async close() {
      handler.abortAll();
      stopBackfill.abort();
      await backfilled;
      gc.stop();
      await dailyStats.close();
    },
  };
}
