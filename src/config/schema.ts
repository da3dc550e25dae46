import { z } from 'zod';

export const configSchema = z.object({
  /** Where the SQLite file, blobs, keys and engine state live. */
  dataDir: z.string().min(1).default('./.dockyard'),
  /** Address every listener binds to. Loopback unless the user says otherwise. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Port of the main API (ARM, identity, vault, dashboard). 0 picks a free port. */
  port: z.coerce.number().int().min(0).max(65535).default(6400),
  /** First port tried for per-registry data-plane listeners; 0 lets the OS pick one for each registry. */
  registryPortBase: z.coerce.number().int().min(0).max(65535).default(0),
  defaultLocation: z.string().default('eastus'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  webhookAllowedHosts: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v), z.array(z.string())).default([]),
  /** Delivery attempts per webhook event before it is marked failed. */
  webhookMaxAttempts: z.coerce.number().int().min(1).max(20).default(5),
  /** First retry delay of a failed webhook delivery (doubles per attempt), milliseconds. */
  webhookRetryBaseMs: z.coerce.number().int().min(0).default(2000),
  /** PEM certificate + key for the optional https control-plane listener (for the Azure CLI, docs/designs/azure-cli.md). */
  tlsCert: z.string().optional(),
  tlsKey: z.string().optional(),
  /** Port of the https listener (0 = any free port); used only when tlsCert and tlsKey are set. */
  tlsPort: z.coerce.number().int().min(0).max(65535).default(6443),
});

export type DockyardConfig = z.infer<typeof configSchema>;
