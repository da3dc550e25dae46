import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Authorizer } from '../http/index.js';
import { systemClock, type Clock, type Logger } from '../shared/index.js';
import { FsBlobStore, type BlobStore, type SqlDatabase } from '../storage/index.js';
import { AdminUsers } from './admin-user.js';
import { createDataPlane } from './data-plane.js';
import { DigestLocks } from './digest-locks.js';
import { GarbageCollector } from './gc.js';
import { RegistryMetadata } from './metadata.js';
import { registryArmRoutes, type RegistryArmDeps } from './arm-routes.js';
import { TokenService } from './token-service.js';
import type { RegistryLimits } from './context.js';
import type { RegistryAccessPort, RegistryDirectory } from './ports.js';

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
}

export interface RegistryModule {
  /** Install with `listeners.setHandler(module.handler)`. */
  handler: ReturnType<typeof createDataPlane>;
  metadata: RegistryMetadata;
  blobs: BlobStore;
  tokens: TokenService;
  admins: AdminUsers;
  gc: GarbageCollector;
  /** The ARM plugin for `listCredentials` / `regenerateCredential`. */
  armRoutes(authorizer: Authorizer, apiVersions: readonly string[], extraUsages?: RegistryArmDeps['extraUsages']): FastifyPluginAsync;
  close(): Promise<void>;
}

export const DEFAULT_LIMITS: RegistryLimits = { maxBlobSize: 20 * 1024 ** 3, maxManifestSize: 4 * 1024 * 1024 };

/** Builds the registry data plane (OCI distribution API + Docker token auth) from its ports. */
export async function createRegistryModule(o: RegistryModuleOptions): Promise<RegistryModule> {
  const blobs = o.blobs ?? new FsBlobStore(join(o.dataDir));
  const metadata = new RegistryMetadata(o.db);
  const tokens = await TokenService.open(o.dataDir);
  const admins = new AdminUsers(o.db, o.dataDir, o.tenantId);
  const locks = new DigestLocks();
  const log = o.log.child({ module: 'registry' });
  const clock = o.clock ?? systemClock;
  const gc = new GarbageCollector(metadata, blobs, locks, o.gcGraceSeconds, log, () => clock.now().getTime(), o.directory);
  const handler = createDataPlane({ metadata, blobs, tokens, admins, access: o.access, directory: o.directory, locks, limits: { ...DEFAULT_LIMITS, ...o.limits }, log });
  if ((o.gcIntervalMs ?? 600_000) > 0) gc.start(o.gcIntervalMs ?? 600_000);
  return {
    handler,
    metadata,
    blobs,
    tokens,
    admins,
    gc,
    armRoutes: (authorizer, apiVersions, extraUsages) => registryArmRoutes({ directory: o.directory, admins, authorizer, apiVersions, storageBytes: (r) => metadata.storageBytes(r), extraUsages }),
    async close() {
      gc.stop();
    },
  };
}
