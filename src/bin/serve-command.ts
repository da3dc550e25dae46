import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/index.js';
import { prewarmSigningKey } from '../identity/index.js';
import { startServer } from '../app/index.js';
import { createServerLogger } from '../shared/index.js';
import { redactDatabaseUrl } from '../storage/index.js';

/** `dockyard serve [--data-dir d] [--port p] [--host h] [--config f] [--log-level l]` */
export async function runServeCommand(args: string[]): Promise<void> {
  const cmd = new Command('serve')
    .option('--data-dir <dir>', 'data directory (SQLite file, blobs, keys)')
    .option(
      '--database <url-or-file>',
      'metadata database: postgres://user:password@host/db, or a SQLite file (default: dockyard.db in the data dir)',
    )
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--port <port>', 'API port (default 6400; 0 = any free port)')
    .option('--registry-port-base <port>', 'first port for registry listeners (0 = any free port)')
    .option('--engine <engine>', 'container engine for task runs: docker | none')
    .option('--tls-cert <pem>', 'certificate for an extra https listener (Azure CLI support)')
    .option('--tls-key <pem>', 'private key for the https listener')
    .option('--tls-port <port>', 'https listener port (default 6443; 0 = any free port)')
    .option(
      '--login-server-suffix <suffix>',
      'login servers by name over TLS: <registry>.<suffix> (default: a port per registry)',
    )
    .option(
      '--manage-hosts',
      'keep /etc/hosts entries for registry and vault hosts (login servers by name without DNS)',
    )
    .option(
      '--allow-local-context-root <dir>',
      'only file:// git repositories under this directory may be task sources (repeatable; set this on shared servers)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--max-concurrent-runs <n>', 'task runs executing at once (default: max(2, cores))')
    .option('--agent-lease-seconds <s>', "seconds without an agent's heartbeat before its run is failed (default 30)")
    .option('--outbox-retention-hours <h>', 'hours consumed events stay in the outbox (default 24)')
    .option('--blob-store <kind>', 'where registry blobs live: fs (default, <data-dir>/blobs) | azure')
    .option(
      '--blob-connection-string <cs>',
      'Azure Storage connection string for --blob-store azure (prefer env DOCKYARD_BLOB_CONNECTION_STRING)',
    )
    .option('--blob-container <name>', 'container for --blob-store azure (default dockyard; created if missing)')
    .option('--secret-key-file <file>', 'master key file (default <data-dir>/vault.key); the same on every API node')
    .option('--blob-dir <dir>', 'filesystem blob store root (default the data dir)')
    .option('--gc-interval-seconds <s>', 'seconds between garbage-collection passes (default 600)')
    .option('--config <file>', 'JSON config file')
    .option(
      '--metrics <mode>',
      'GET /metrics: off | loopback (default: loopback clients without credentials) | on (credentials always)',
    )
    .option('--log-level <level>')
    .option('--log-format <format>', 'auto (pretty on a terminal, JSON otherwise) | json | pretty');
  cmd.parse(args, { from: 'user' });
  const o = cmd.opts();
  const config = loadConfig({
    file: o.config,
    flags: {
      dataDir: o.dataDir,
      database: o.database,
      host: o.host,
      port: o.port,
      registryPortBase: o.registryPortBase,
      engine: o.engine,
      logLevel: o.logLevel,
      tlsCert: o.tlsCert,
      tlsKey: o.tlsKey,
      logFormat: o.logFormat,
      metrics: o.metrics,
      tlsPort: o.tlsPort,
      loginServerSuffix: o.loginServerSuffix,
      manageHosts: o.manageHosts,
      allowedLocalContextRoots: o.allowLocalContextRoot,
      maxConcurrentRuns: o.maxConcurrentRuns,
      outboxRetentionHours: o.outboxRetentionHours,
      blobStore: o.blobStore,
      blobConnectionString: o.blobConnectionString,
      blobContainer: o.blobContainer,
      secretKeyFile: o.secretKeyFile,
      blobDir: o.blobDir,
      gcIntervalSeconds: o.gcIntervalSeconds,
      agentLeaseSeconds: o.agentLeaseSeconds,
    },
  });
  // A fresh single-machine install: its first signing key is made on the thread pool while the database is created.
  if (!config.database && !existsSync(join(config.dataDir, 'dockyard.db'))) prewarmSigningKey();
  const running = await startServer(config, { log: await createServerLogger(config.logLevel, config.logFormat) });
  const p = running.platform;
  process.stdout.write(
    [
      `Dockyard is ready at ${running.endpoint}`,
      `  dashboard:     ${running.endpoint}/dashboard/  (sign in with the key in ${config.dataDir}/admin.key)`,
      ...(running.tlsEndpoint ? [`  https (az):    ${running.tlsEndpoint}  (docs/designs/azure-cli.md)`] : []),
      `  data dir:      ${config.dataDir}`,
      `  database:      ${config.database ? redactDatabaseUrl(config.database) : 'SQLite (dockyard.db in the data dir)'}`,
      ...(config.blobStore === 'azure'
        ? [`  blobs:         Azure Blob Storage, container ${config.blobContainer}`]
        : []),
      `  tenant:        ${p.tenantId}`,
      `  subscription:  ${p.subscriptionId}`,
      `  registries:    ${(await p.registries.all()).map((r) => `${r.name}=${r.login_server}`).join(', ') || '(none yet)'}`,
      `  try:           npx dockyard group create -n myResourceGroup -l eastus`,
      '',
    ].join('\n'),
  );
  const shutdown = async (signal: string) => {
    process.stdout.write(`\nReceived ${signal}, shutting down...\n`);
    await running.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
