import { delimiter } from 'node:path';
import { availableParallelism } from 'node:os';
import { z } from 'zod';

/** Runs executed at once unless configured: one per core, at least 2. */
export const defaultMaxConcurrentRuns = (): number => Math.max(2, availableParallelism());

export const configSchema = z.object({
  /** Where the SQLite file, blobs, keys and engine state live. */
  dataDir: z.string().min(1).default('./.dockyard'),
  /**
   * Metadata database: absent = SQLite (`<dataDir>/dockyard.db`); a `postgres://` / `postgresql://` URL = PostgreSQL;
   * otherwise a SQLite file path (`sqlite:` prefix optional; several nodes on one machine may share one file)
   * (docs/designs/database.md). A secret (a URL may hold a password): masked in logs and errors.
   */
  database: z
    .string()
    .min(1)
    .max(4096)
    .refine(
      (v) => /^(postgres(ql)?|sqlite):/i.test(v) || !/^[a-z][a-z0-9+.-]*:\/\//i.test(v),
      'database must be a postgres:// or postgresql:// URL or a SQLite file path',
    )
    .optional(),
  /** Address every listener binds to. Loopback unless the user says otherwise. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Port of the main API (ARM, identity, vault, dashboard). 0 picks a free port. */
  port: z.coerce.number().int().min(0).max(65535).default(6400),
  /** First port tried for per-registry data-plane listeners; 0 lets the OS pick one for each registry. */
  registryPortBase: z.coerce.number().int().min(0).max(65535).default(0),
  defaultLocation: z.string().default('eastus'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `auto`: human-readable lines on a terminal, JSON lines otherwise; or always `json` / `pretty`. */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** Container engine used by task runs. */
  engine: z.enum(['docker', 'none']).default('docker'),
  /**
   * Private daemon's user-namespace remapping: `remap` runs container root as a subordinate host uid (dockremap's
   * /etc/subuid range) except host-network and privileged containers; `off` keeps container root = host root.
   * docs/designs/engine-isolation.md.
   */
  engineUserns: z.enum(['remap', 'off']).default('remap'),
  /** Reuse an existing Docker daemon instead of starting a private one (e.g. unix:///var/run/docker.sock). */
  dockerHost: z.string().optional(),
  /**
   * The master key (32 bytes, base64): seals secrets at rest and the installation's shared keys in the database.
   * Default `<dataDir>/vault.key` (created on first start). With several API nodes every node names the same key
   * file, which must exist (docs/deploy.md).
   */
  secretKeyFile: z.string().min(1).optional(),
  /** Root of the filesystem blob store (`blobs/`, `uploads/` under it). Default the data dir. */
  blobDir: z.string().min(1).optional(),
  /** Seconds between background garbage-collection passes (one node at a time runs one). */
  gcIntervalSeconds: z.coerce.number().int().min(1).max(86_400).default(600),
  /** Seconds a blob stays unreferenced before garbage collection may delete it. */
  gcGraceSeconds: z.coerce.number().int().min(0).default(3600),
  /** Addresses of reverse proxies whose X-Forwarded-For is trusted for network rules. */
  trustedProxies: z.array(z.string()).default([]),
  /** Task runs and network rules: `seed` (tasks are a trusted service) or `2025` (only networkRuleBypassAllowedForTasks). */
  tasksNetworkBypass: z.enum(['seed', '2025']).default('seed'),
  /** Seconds between polls of git repositories watched by source (commit / pull-request) triggers. */
  triggerPollSeconds: z.coerce.number().positive().default(30),
  /** Refs of a watched repository that count as pull requests; `*` is the pull-request id. */
  triggerPullRequestRefPattern: z.string().min(1).default('refs/pull/*/head'),
  /**
   * Hosts webhooks may post to besides loopback (always allowed): names (`hooks.example.com`, `*.example.com`),
   * addresses and CIDR ranges. Anything else is refused at create time and again at delivery (on the resolved address).
   */
  webhookAllowedHosts: z
    .preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
          : v,
      z.array(z.string()),
    )
    .default([]),
  /** Delivery attempts per webhook event before it is marked failed. */
  webhookMaxAttempts: z.coerce.number().int().min(1).max(20).default(5),
  /** First retry delay of a failed webhook delivery (doubles per attempt), milliseconds. */
  webhookRetryBaseMs: z.coerce.number().int().min(0).default(2000),
  /**
   * Directories under which `file://` git repositories may be task/run sources. Empty (the default) allows any local
   * repository outside the data dir; on a shared server, list the roots (`--allow-local-context-root`, repeatable;
   * DOCKYARD_ALLOWED_LOCAL_CONTEXT_ROOTS, path-delimiter separated).
   */
  allowedLocalContextRoots: z
    .preprocess((v) => (typeof v === 'string' ? v.split(delimiter).filter(Boolean) : v), z.array(z.string().min(1)))
    .default([]),
  /** Task runs executing at once; more wait in the queue (default: max(2, cores)). */
  maxConcurrentRuns: z.coerce.number().int().min(1).max(256).default(defaultMaxConcurrentRuns),
  /** Seconds an agent's run lease lasts without a heartbeat; then the run is failed (docs/designs/agent-pools.md). */
  agentLeaseSeconds: z.coerce.number().int().min(3).max(600).default(30),
  /** Hours a consumed outbox event is kept before the periodic prune deletes it. */
  outboxRetentionHours: z.coerce.number().min(0).default(24),
  /** Items per page of ARM lists (more come through `nextLink`); Azure's typical 100. */
  armPageSize: z.coerce.number().int().min(1).max(1000).default(100),
  /** PEM certificate + key for the optional https control-plane listener (for the Azure CLI, docs/designs/azure-cli.md). */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** Port of the https listener (0 = any free port); used only when tlsCert and tlsKey are set. */
  tlsPort: z.coerce.number().int().min(0).max(65535).default(6443),
  /**
   * Login servers by name over TLS: every registry is `<name>.<suffix>` (plus `:<tlsPort>` unless 443) on the shared
   * https listener, routed by Host; Key Vault by `<vault>.vault.<suffix>`. Unset: one loopback port per registry.
   * Without tlsCert/tlsKey the certificate comes from the local CA in `<dataDir>/tls` (docs/designs/login-servers.md).
   */
  loginServerSuffix: z
    .string()
    .regex(
      /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i,
      'a DNS suffix like dockyard.test',
    )
    .transform((s) => s.toLowerCase())
    .optional(),
  /** Keep `/etc/hosts` entries for every registry/vault host (login servers by name without DNS). */
  manageHosts: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean()).default(false),
  /** The hosts file `manageHosts` edits (tests point it elsewhere). */
  hostsFile: z.string().default('/etc/hosts'),
  /**
   * `GET /metrics` on the API listener (Prometheus text format, docs/metrics.md): `off`; `loopback` (loopback clients
   * scrape without credentials, others need metricsToken or an administrator); `on` (everyone needs one of those).
   */
  metrics: z.enum(['off', 'loopback', 'on']).default('loopback'),
  /**
   * Where registry blobs live: `fs` (`<dataDir>/blobs`, the default) or `azure` (Azure Blob Storage or Azurite; needs
   * blobConnectionString). Several nodes may share either (docs/designs/blob-storage.md).
   */
  blobStore: z.enum(['fs', 'azure']).default('fs'),
  /** Azure Storage connection string (account key or SAS) for `blobStore: azure`. A secret: masked everywhere. */
  blobConnectionString: z.string().min(1).max(4096).optional(),
  /** Container of `blobStore: azure` (created when missing). */
  blobContainer: z
    .string()
    .regex(/^(?=.{3,63}$)[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/, 'an Azure container name (3-63 of a-z, 0-9, -)')
    .default('dockyard'),
  /** Bearer token a scraper presents (`Authorization: Bearer <token>`); at least 16 characters. */
  metricsToken: z.string().min(16).optional(),
});

export type DockyardConfig = z.infer<typeof configSchema>;
