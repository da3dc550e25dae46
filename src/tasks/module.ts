import { runStats, type RunStats } from './runs/run-stats.js';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { dataKeyFile, SecretCipher, systemClock, type Clock, type Logger } from '../shared/index.js';
import { compactDatabase, type BlobStore, type SqlDatabase } from '../storage/index.js';
import { errorHandlerFor, type Authorizer } from '../http/index.js';
import { TaskStore } from './resources/task-store.js';
import { TaskService, type TaskIdentityPort } from './resources/task-service.js';
import { RunStore } from './runs/run-store.js';
import { RunLogs } from './runs/run-log.js';
import { RunQueue, type RunExecutor } from './runs/run-queue.js';
import { RunScheduler } from './runs/run-scheduler.js';
import { Uploads } from './runs/uploads.js';
import { DEFAULT_LOG_LINK_TTL_MS } from './runs/log-links.js';
import { createBlobHost, type BlobHandler } from './blob/blob-host.js';
import { registerTaskRoutes } from './routes/task-routes.js';
import { registerLogAndUploadRoutes, registerRunRoutes } from './routes/run-routes.js';
import type { RegistryLookup, TaskRouteDeps } from './routes/context.js';
import { taskFileRoutes } from './spec/index.js';
import type { SourcePolicy } from './runner/source-policy.js';
import { RunLeases } from './runs/run-leases.js';
import { RunLogChunks } from './runs/run-log-chunks.js';
import { LeaseReaper, PoolStore, registerAgentRoutes, registerPoolRoutes, type RunServices } from './agents/index.js';

export interface TaskModuleDeps {
  db: SqlDatabase;
  dataDir: string;
  log: Logger;
  authorizer: Authorizer;
  registries: RegistryLookup;
  identities: TaskIdentityPort;
  executor: RunExecutor;
  endpoint: () => string;
  /** Base URL of the blob host (`https://dockyard.blob.<suffix>[:port]`) with login servers by name, else undefined. */
  blobBase?: () => string | undefined;
  concurrency?: number;
  /** Time source for log-link expiry (default the system clock). */
  clock?: Clock;
  /** Log-link lifetime in ms (default one hour, like a short-lived ACR log SAS). */
  logLinkTtlMs?: number;
  /** Which sources tasks and runs may use (docs/designs/security-model.md). */
  sourcePolicy?: SourcePolicy;
  /** The master key (config secretKeyFile); by default `<dataDir>/vault.key`. */
  cipher?: SecretCipher;
  /** What agents may ask for their runs (identity tokens, secrets, registry logins); absent: no agent API. */
  runServices?: RunServices;
  /** Seconds an agent's lease lasts without a heartbeat before its run is failed (default 30). */
  agentLeaseSeconds?: number;
  /** The shared blob store: build-source archives live there as named files. */
  blobs: BlobStore;
  /** Signs build-source upload URLs: the installation-wide key (shared keys), so every node verifies them. */
  uploadSasKey: Buffer;
  /** Named leases (several API nodes): the upload sweep runs on one node at a time. */
  leases?: { withLease<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> };
  /** How often expired uploads are swept (default 5 minutes). */
  uploadSweepMs?: number;
}

export interface TaskModule {
  taskStore: TaskStore;
  tasks: TaskService;
  runs: RunStore;
  logs: RunLogs;
  queue: RunQueue;
  scheduler: RunScheduler;
  uploads: Uploads;
  pools: PoolStore;
  leases: RunLeases;
  reaper: LeaseReaper;
  /** The blob host's handler (uploads and run logs by SAS); the named front routes `<account>.blob.<suffix>` to it. */
  blobHost: BlobHandler;
  plugin: (app: FastifyInstance) => Promise<void>;
  /** Runs per day by status and run durations of a registry (optionally one task) since an ISO time. */
  runStats(registryName: string, since: string, task?: string): Promise<RunStats>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The lease of the build-source upload sweep (one node at a time). */
export const UPLOAD_SWEEP_LEASE = 'tasks.source-sweep';

/** Tasks, runs, logs and the run queue, as one unit the composition root wires. */
export function createTaskModule(deps: TaskModuleDeps): TaskModule {
  // Task and run secrets are sealed with the same data-at-rest key as Key Vault secrets.
  const cipher = deps.cipher ?? new SecretCipher(dataKeyFile(deps.dataDir));
  const taskStore = new TaskStore(deps.db, cipher);
  const sourcePolicy: SourcePolicy = deps.sourcePolicy ?? { dataDir: deps.dataDir, allowedLocalContextRoots: [] };
  const tasks = new TaskService(taskStore, deps.identities, sourcePolicy);
  const runs = new RunStore(deps.db, cipher);
  const chunks = new RunLogChunks(deps.db);
  const logs = new RunLogs(join(deps.dataDir, 'runs'), chunks, deps.log.child({ module: 'runs' }));
  const uploads = new Uploads(deps.db, deps.blobs, deps.uploadSasKey, deps.clock ?? systemClock);
  const queue = new RunQueue(runs, logs, deps.executor, deps.log.child({ module: 'runs' }), deps.concurrency ?? 2);
  const pools = new PoolStore(deps.db);
  const leases = new RunLeases(runs);
  queue.leases = leases;
  queue.chunks = chunks;
  const leaseSeconds = () => deps.agentLeaseSeconds ?? 30;
  const reaper = new LeaseReaper(leases, queue, leaseSeconds, deps.log.child({ module: 'agents' }));
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> = Promise.resolve();
  const sweepUploads = () => {
    const sweep = () => uploads.sweep();
    sweeping = (deps.leases ? deps.leases.withLease(UPLOAD_SWEEP_LEASE, 120_000, sweep) : sweep())
      .then((n) => void (n ? deps.log.debug({ uploads: n }, 'expired build-source uploads removed') : undefined))
      .catch((err: unknown) => deps.log.error({ err }, 'build-source upload sweep failed'));
  };
  const scheduler = new RunScheduler(runs, queue, pools);
  const blobHost = createBlobHost({ uploads, runs, logs, clock: deps.clock ?? systemClock, log: deps.log });
  const routeDeps: TaskRouteDeps = {
    tasks,
    taskStore,
    runs,
    queue,
    logs,
    uploads,
    registries: deps.registries,
    authorizer: deps.authorizer,
    endpoint: deps.endpoint,
    blobBase: deps.blobBase ?? (() => undefined),
    clock: deps.clock ?? systemClock,
    logLinkTtlMs: deps.logLinkTtlMs ?? DEFAULT_LOG_LINK_TTL_MS,
    sourcePolicy,
  };
  return {
    runStats: (registryName, since, task) => runStats(deps.db, registryName, since, task),
    taskStore,
    tasks,
    runs,
    logs,
    queue,
    scheduler,
    uploads,
    pools,
    leases,
    reaper,
    blobHost,
    async plugin(app: FastifyInstance) {
      app.setErrorHandler(errorHandlerFor('arm'));
      app.addContentTypeParser(
        ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/x-tar'],
        (_req, _payload, done) => done(null),
      );
      registerTaskRoutes(app, routeDeps);
      registerRunRoutes(app, routeDeps, scheduler);
      registerLogAndUploadRoutes(app, routeDeps);
      registerPoolRoutes(app, routeDeps, { pools, leases, queue });
      if (deps.runServices)
        registerAgentRoutes(app, {
          pools,
          leases,
          queue,
          runs,
          services: deps.runServices,
          uploads,
          leaseMs: () => leaseSeconds() * 1000,
          log: deps.log.child({ module: 'agents' }),
        });
      // The blob host's run logs on the API's own origin too (the dashboard's live log; the SAS still decides).
      app.get<{ Params: { account: string; '*': string } }>('/dockyard/v1/blob/:account/*', (req, reply) => {
        reply.hijack();
        const prefix = `/dockyard/v1/blob/${req.params.account}`;
        req.raw.url = (req.raw.url ?? '').startsWith(prefix) ? (req.raw.url ?? '').slice(prefix.length) : '/';
        blobHost(req.params.account, req.raw, reply.raw);
      });
      await app.register(taskFileRoutes);
    },
    async start() {
      const sealed = (await taskStore.sealLegacyRows()) + (await runs.sealLegacyRows());
      if (sealed) {
        await compactDatabase(deps.db);
        deps.log.info({ rows: sealed }, 'sealed plaintext task and run secrets from an older version');
      }
      await queue.start();
      // A lost agent's run is failed within its lease plus one sweep interval.
      reaper.start(Math.max(250, Math.min(5000, (leaseSeconds() * 1000) / 4)));
      sweepTimer = setInterval(sweepUploads, deps.uploadSweepMs ?? 5 * 60_000);
      sweepTimer.unref();
    },
    async stop() {
      clearInterval(sweepTimer);
      await sweeping;
      await reaper.stop();
      await queue.stop();
    },
  };
}
