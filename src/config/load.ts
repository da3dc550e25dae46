import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchema, type DockyardConfig } from './schema.js';
import { DockyardError, knownSecrets } from '../shared/index.js';

const ENV_KEYS: Record<string, keyof DockyardConfig> = {
  DOCKYARD_DATA_DIR: 'dataDir',
  DOCKYARD_DATABASE_URL: 'database',
  DOCKYARD_HOST: 'host',
  DOCKYARD_PORT: 'port',
  DOCKYARD_REGISTRY_PORT_BASE: 'registryPortBase',
  DOCKYARD_DEFAULT_LOCATION: 'defaultLocation',
  DOCKYARD_LOG_LEVEL: 'logLevel',
  DOCKYARD_LOG_FORMAT: 'logFormat',
  DOCKYARD_ENGINE: 'engine',
  DOCKYARD_DOCKER_HOST: 'dockerHost',
  DOCKYARD_ENGINE_USERNS: 'engineUserns',
  DOCKYARD_GC_GRACE_SECONDS: 'gcGraceSeconds',
  DOCKYARD_GC_INTERVAL_SECONDS: 'gcIntervalSeconds',
  DOCKYARD_SECRET_KEY_FILE: 'secretKeyFile',
  DOCKYARD_BLOB_DIR: 'blobDir',
  DOCKYARD_TASKS_NETWORK_BYPASS: 'tasksNetworkBypass',
  DOCKYARD_TRIGGER_POLL_SECONDS: 'triggerPollSeconds',
  DOCKYARD_TRIGGER_PR_REF_PATTERN: 'triggerPullRequestRefPattern',
  DOCKYARD_TLS_CERT: 'tlsCert',
  DOCKYARD_TLS_KEY: 'tlsKey',
  DOCKYARD_TLS_PORT: 'tlsPort',
  DOCKYARD_WEBHOOK_ALLOWED_HOSTS: 'webhookAllowedHosts',
  DOCKYARD_LOGIN_SERVER_SUFFIX: 'loginServerSuffix',
  DOCKYARD_MANAGE_HOSTS: 'manageHosts',
  DOCKYARD_ALLOWED_LOCAL_CONTEXT_ROOTS: 'allowedLocalContextRoots',
  DOCKYARD_MAX_CONCURRENT_RUNS: 'maxConcurrentRuns',
  DOCKYARD_AGENT_LEASE_SECONDS: 'agentLeaseSeconds',
  DOCKYARD_OUTBOX_RETENTION_HOURS: 'outboxRetentionHours',
  DOCKYARD_ARM_PAGE_SIZE: 'armPageSize',
  DOCKYARD_METRICS: 'metrics',
  DOCKYARD_METRICS_TOKEN: 'metricsToken',
  DOCKYARD_BLOB_STORE: 'blobStore',
  DOCKYARD_BLOB_CONNECTION_STRING: 'blobConnectionString',
  DOCKYARD_BLOB_CONTAINER: 'blobContainer',
};

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Values from command-line flags (highest precedence). */
  flags?: Partial<Record<keyof DockyardConfig, unknown>>;
  /** Explicit config file; otherwise `<dataDir>/config.json` when present. */
  file?: string;
}

/** defaults ← file ← DOCKYARD_* env ← flags, validated by one zod schema. */
export function loadConfig(options: LoadOptions = {}): DockyardConfig {
  const env = options.env ?? process.env;
  const fromEnv: Record<string, unknown> = {};
  for (const [k, key] of Object.entries(ENV_KEYS)) if (env[k] !== undefined && env[k] !== '') fromEnv[key] = env[k];
  const flags = Object.fromEntries(Object.entries(options.flags ?? {}).filter(([, v]) => v !== undefined));
  const dataDir = String(flags.dataDir ?? fromEnv.dataDir ?? './.dockyard');
  const file = options.file ?? env.DOCKYARD_CONFIG ?? resolve(dataDir, 'config.json');
  let fromFile: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new DockyardError('InvalidParameter', `config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const merged = { ...fromFile, ...fromEnv, ...flags };
  registerConnectionStringSecrets(merged.blobConnectionString);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DockyardError('InvalidParameter', `invalid configuration ${issue.path.join('.')}: ${issue.message}`);
  }
  if (parsed.data.blobStore === 'azure' && !parsed.data.blobConnectionString)
    throw new DockyardError(
      'InvalidParameter',
      'blobStore azure needs a connection string (--blob-connection-string or DOCKYARD_BLOB_CONNECTION_STRING)',
    );
  return {
    ...parsed.data,
    dataDir: resolve(parsed.data.dataDir),
    ...(parsed.data.secretKeyFile ? { secretKeyFile: resolve(parsed.data.secretKeyFile) } : {}),
    ...(parsed.data.blobDir ? { blobDir: resolve(parsed.data.blobDir) } : {}),
    allowedLocalContextRoots: parsed.data.allowedLocalContextRoots.map((r) => resolve(r)),
  };
}

/** The connection string, its account key and its SAS are secrets: masked in logs and errors from here on. */
function registerConnectionStringSecrets(value: unknown): void {
  if (typeof value !== 'string') return;
  knownSecrets.add(value);
  for (const part of value.split(';')) {
    const m = /^(AccountKey|SharedAccessSignature)=(.+)$/i.exec(part.trim());
    if (m) knownSecrets.add(m[2]);
  }
}
