import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DockyardConfig } from '../config/index.js';
import {
  createLogger,
  systemClock,
  type Clock,
  type Logger,
  type Principal,
  type SecretCipher,
} from '../shared/index.js';
import { migrateToLatest, openDatabase, type BlobStore, type SqlDatabase } from '../storage/index.js';
import { startOutboxPruner } from '../events/index.js';
import { installAuthentication, setArmPageSize } from '../http/index.js';
import { Directory, ensureLocalAdmin, localAdminAuthenticator, RESOURCES } from '../identity/index.js';
import { vaultShape } from '../vault/index.js';
import {
  registerArmRoutes,
  type ResourceLister,
  Registries,
  ResourceGroups,
  Subscriptions,
  UserAssignedIdentities,
} from '../arm/index.js';
import {
  BLOB_ACCOUNT,
  type ContainerEngine,
  type RunExecutor,
  type TaskModule,
  type TriggerService,
} from '../tasks/index.js';
import { wireTriggers } from './wire-triggers.js';
import { databasePath, databaseUrl, openMasterKey, wireCluster, type ClusterWiring } from './wire-cluster.js';
import { wireTasks } from './wire-tasks.js';
import { sourcePolicyOf, wireRunner, type RunnerWiring } from './wire-runner.js';
import { RegistryListeners } from './registry-listeners.js';
import { startRegistrySync } from './registry-sync.js';
import type { NamedLoginServers } from './named-login-servers.js';
import { wireNames, type NamesWiring } from './wire-names.js';
import { registryAccess, wireIdentity, type IdentityWiring } from './wire-identity.js';
import { ALL_MIGRATIONS } from './migrations.js';
import { randomBytes } from 'node:crypto';
import { wireRegistry } from './wire-registry.js';
import { openBlobStore } from './wire-blobs.js';
import { withNetworkRules } from './wire-network.js';
import { wireImport } from './wire-import.js';
import { wireWeb } from './wire-web.js';
import { wireWebhooks, type WebhookWiring } from './wire-webhooks.js';
import { createMetrics, onTriggerQueued, wireMetrics } from './wire-metrics.js';
import type { DockyardMetrics } from '../metrics/index.js';

export interface Platform {
  config: DockyardConfig;
  log: Logger;
  db: SqlDatabase;
  /** The blob store (registry blobs; build-source archives of task runs as named files). */
  blobs: BlobStore;
  api: FastifyInstance;
  listeners: RegistryListeners | NamedLoginServers;
  /** Login servers by name over TLS (config loginServerSuffix), when on. */
  names?: NamesWiring;
  tenantId: string;
  subscriptionId: string;
  admin: { principal: Principal; key: string };
  registries: Registries;
  tasks: TaskModule;
  runner: RunnerWiring;
  /** Commit, base-image and timer triggers (started by serve, stopped by close). */
  triggers: TriggerService;
  /** Identity service + RBAC (tokens, managed identities, workload bindings, authorization). */
  identity: IdentityWiring;
  /** Registry webhooks: definitions, ARM routes and the outbox-fed delivery loop. */
  webhooks: WebhookWiring;
  /** Master key, shared keys and leases (several API nodes on one database). */
  cluster: ClusterWiring;
  /** Prometheus metrics (undefined when config `metrics` is `off`). */
  metrics?: DockyardMetrics;
  /** The API's base URL once listening. */
  setEndpoint(url: string): void;
  /** Registered by modules; run in reverse order on close. */
  onClose: Array<() => Promise<void>>;
  close(): Promise<void>;
}

/** The composition root: builds every component from config. The only place that picks implementations. */
export async function buildPlatform(
  config: DockyardConfig,
  options: {
    log?: Logger;
    dbPath?: string;
    executor?: RunExecutor;
    clock?: Clock;
    /** Tests: the real runner on this engine (e.g. FakeEngine) instead of dockerd. */ engine?: () => Promise<ContainerEngine>;
  } = {},
): Promise<Platform> {
  const log = options.log ?? createLogger(config.logLevel);
  const db = await openDatabase({
    url: databaseUrl(config),
    path: options.dbPath ?? databasePath(config),
    onIdleError: (err) => log.error({ err }, 'database connection lost (the pool reconnects)'),
  });
  let cipher: SecretCipher;
  try {
    await migrateToLatest(db, ALL_MIGRATIONS);
    cipher = await openMasterKey(config, db);
  } catch (err) {
    await db.destroy();
    throw err;
  }

  const directory = new Directory(db);
  const tenantId = await directory.ensureDefaultTenant();
  const subscriptions = new Subscriptions(db);
  const subscriptionId = await subscriptions.ensureDefault(tenantId);
  const cluster = wireCluster(db, cipher, config);
  let blobs: BlobStore;
  try {
    blobs = await openBlobStore(config, log);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  const admin = await ensureLocalAdmin(directory, config.dataDir, cluster.keys);

  const names = config.loginServerSuffix
    ? await wireNames({ ...config, loginServerSuffix: config.loginServerSuffix }, log)
    : undefined;
  const listeners = names?.front ?? new RegistryListeners(config.host, config.registryPortBase, log);
  const registries = new Registries(db, listeners);
  const groups = new ResourceGroups(db);
  const api: FastifyInstance = Fastify({
    loggerInstance: log.child({ plane: 'api' }) as unknown as FastifyBaseLogger,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
    bodyLimit: 16 * 1024 * 1024,
    exposeHeadRoutes: false,
  });
  const metrics = createMetrics(config, api);
  const identity = await wireIdentity({ db, config, tenantId, subscriptionId, admin, api, log, ...cluster });
  const { authorizer, principals, onResourceDeleted } = identity;
  const identities = new UserAssignedIdentities(db, principals);
  setArmPageSize(api, config.armPageSize);
  installAuthentication(api, [localAdminAuthenticator(admin.principal, admin.key), ...identity.authenticators]);
  api.get('/dockyard/v1/info', async () => ({ tenantId, subscriptionId, version: '0.1.0', engine: config.engine }));
  const resourceListers: ResourceLister[] = [];
  await api.register(
    registerArmRoutes({
      subscriptions,
      groups,
      registries,
      identities,
      authorizer,
      onResourceDeleted,
      resourceListers,
    }),
  );
  await identity.register({ subscriptions, groups });
  resourceListers.push(async (sub) =>
    (await identity.vault.store.all())
      .filter((v) => v.subscription_id === sub)
      .map((v) => ({
        readAction: 'Microsoft.KeyVault/vaults/read',
        item: vaultShape(v) as {
          id: string;
          name: string;
          type: string;
          location: string;
          tags: Record<string, string>;
        },
      })),
  );
  if (names) {
    names.front.setApi((req, res) => api.server.emit('request', req, res));
    const vaultNames = async () => (await identity.vault.store.all()).map((v) => v.name_lower);
    identity.vault.changed.push(async () =>
      names.sync(
        (await registries.all()).map((r) => r.name.toLowerCase()),
        await vaultNames(),
      ),
    );
    await names.sync([], await vaultNames());
  }
  let endpoint = `http://${config.host}:${config.port}`;
  const runner = wireRunner({
    config,
    log,
    registries,
    identity,
    endpoint: () => endpoint,
    engine: options.engine,
    openUpload: (location) => tasks.uploads.open(location),
  });
  const executor = options.executor ?? (config.engine === 'docker' || options.engine ? runner.executor : undefined);
  const tasks = await wireTasks({
    api,
    db,
    dataDir: config.dataDir,
    log,
    authorizer,
    registries,
    identities,
    principals,
    onResourceDeleted,
    endpoint: () => endpoint,
    blobBase: names ? () => names.front.blobBase(BLOB_ACCOUNT) : undefined,
    executor,
    clock: options.clock,
    sourcePolicy: sourcePolicyOf(config),
    concurrency: config.maxConcurrentRuns,
    cipher,
    runServices: runner.services,
    agentLeaseSeconds: config.agentLeaseSeconds,
    blobs,
    cluster,
  });

  names?.front.setBlobHandler(tasks.blobHost);
  const triggers = wireTriggers({
    config,
    db,
    log,
    tasks,
    clock: options.clock ?? systemClock,
    onQueued: onTriggerQueued(metrics),
    leases: cluster.leases,
  });
  // Consumed events older than the retention leave the outbox (every 10 minutes; see docs/designs/triggers.md).
  const pruner = startOutboxPruner(db, {
    retentionHours: config.outboxRetentionHours,
    leases: cluster.leases,
    onPruned: (n) => log.debug({ events: n }, 'outbox pruned'),
    onError: (err) => log.error({ err }, 'outbox prune failed'),
  });
  const onClose: Array<() => Promise<void>> = [];
  const webhooks = await wireWebhooks({
    api,
    db,
    config,
    registries,
    authorizer,
    clock: options.clock ?? systemClock,
    log,
    onResourceDeleted,
    onClose,
    cluster,
  });

  // Reopen every registry's listener on its recorded port.
  for (const r of await registries.all()) {
    const { loginServer, port } = await listeners.allocate(r.name, r.port);
    if (loginServer !== r.login_server) await registries.setLoginServer(r, loginServer, port);
  }
  // Registries created or deleted through other API nodes (one database, several nodes).
  const registrySync = startRegistrySync(registries, listeners, log);

  const platform: Platform = {
    config,
    log,
    db,
    blobs,
    api,
    listeners,
    names,
    tenantId,
    subscriptionId,
    admin,
    registries,
    tasks,
    identity,
    runner,
    triggers,
    webhooks,
    cluster,
    metrics,
    setEndpoint(url: string) {
      endpoint = url;
    },
    onClose,
    async close() {
      identity.identity.keys.stop();
      await triggers.stop();
      await pruner.stop();
      await tasks.stop();
      await runner.close();
      await registrySync.stop();
      for (const fn of [...platform.onClose].reverse())
        await fn().catch((err) => log.error({ err }, 'close hook failed'));
      await listeners.closeAll();
      await api.close();
      await db.destroy();
    },
  };
  // Signs the browser address the dashboard proxy relays to registry listeners (never leaves this process).
  const relayKey = randomBytes(32);
  const access = withNetworkRules(registryAccess(identity, admin), { registries, config, log, relayKey });
  const registry = await wireRegistry(platform, authorizer, access, onResourceDeleted, options.clock);
  await wireImport({ api, registries, registry, access, tenantId, log });
  await wireMetrics({
    metrics,
    config,
    api,
    tasks,
    registry,
    authorizer,
    subscriptionId,
    verifyBearer: (t) => identity.identity.verifyAccessToken(t, [RESOURCES.management]),
  });
  await wireWeb(platform, relayKey, registry);
  // Hosts entries and engine trust exist while this server runs.
  if (names) platform.onClose.push(() => names.release());
  return platform;
}
