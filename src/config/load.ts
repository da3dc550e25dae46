import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configSchema, type DockyardConfig } from './schema.js';
import { DockyardError } from '../shared/index.js';

const ENV_KEYS: Record<string, keyof DockyardConfig> = {
  DOCKYARD_DATA_DIR: 'dataDir',
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
  const parsed = configSchema.safeParse({ ...fromFile, ...fromEnv, ...flags });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new DockyardError('InvalidParameter', `invalid configuration ${issue.path.join('.')}: ${issue.message}`);
  }
  return {
    ...parsed.data,
    dataDir: resolve(parsed.data.dataDir),
    allowedLocalContextRoots: parsed.data.allowedLocalContextRoots.map((r) => resolve(r)),
  };
}
