import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { hardenDataDir, PRIVATE_UMASK, registerDataDir } from '../shared/index.js';
import type { AddressInfo } from 'node:net';
import type { DockyardConfig } from '../config/index.js';
import { buildPlatform, type Platform } from './platform.js';
import { startTlsListener } from './wire-tls.js';

export interface Running {
  platform: Platform;
  endpoint: string;
  /** `https://127.0.0.1:<port>` when a TLS certificate is configured (for the Azure CLI). */
  tlsEndpoint?: string;
  stop(): Promise<void>;
}

/**
 * Starts the platform and its listeners; writes the CLI connection file into the data dir. The data dir is private:
 * umask 077 from here on (new files 0600, directories 0700), and an older install's modes are fixed on start.
 */
export async function startServer(
  config: DockyardConfig,
  options: Parameters<typeof buildPlatform>[1] = {},
): Promise<Running> {
  const started = process.hrtime.bigint();
  if (isMainThread) process.umask(PRIVATE_UMASK);
  hardenDataDir(config.dataDir);
  const unregisterDataDir = registerDataDir(config.dataDir);
  const platform = await buildPlatform(config, options);
  await platform.api.listen({ host: config.host, port: config.port });
  const port = (platform.api.server.address() as AddressInfo).port;
  const endpoint = `http://${config.host}:${port}`;
  platform.setEndpoint(endpoint);
  // With login servers by name the shared https listener already serves the API too.
  const tls = platform.names
    ? { endpoint: platform.names.front.endpoint }
    : config.tlsCert && config.tlsKey
      ? await startTlsListener(platform, {
          certFile: config.tlsCert,
          keyFile: config.tlsKey,
          host: config.host,
          port: config.tlsPort,
        })
      : undefined;
  await platform.tasks.start();
  platform.triggers.start();
  platform.runner.warmUp();
  const connFile = join(config.dataDir, 'endpoint.json');
  writeFileSync(
    connFile,
    JSON.stringify(
      {
        endpoint,
        ...(tls ? { tlsEndpoint: tls.endpoint } : {}),
        ...(config.loginServerSuffix ? { loginServerSuffix: config.loginServerSuffix } : {}),
        tenantId: platform.tenantId,
        subscriptionId: platform.subscriptionId,
        pid: process.pid,
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );
  const readyMs = Number(process.hrtime.bigint() - started) / 1e6;
  platform.log.info({ endpoint, readyMs: Math.round(readyMs) }, 'dockyard ready');
  let stopped = false;
  return {
    platform,
    endpoint,
    tlsEndpoint: tls?.endpoint,
    async stop() {
      if (stopped) return;
      stopped = true;
      await platform.close();
      rmSync(connFile, { force: true });
      unregisterDataDir();
    },
  };
}
