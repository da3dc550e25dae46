import { createServer, type Server } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Platform } from './platform.js';

export interface TlsListener {
  /** `https://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/**
 * An optional second, TLS-terminating listener for the control plane (ARM, identity, OIDC) on loopback. It serves the
 * very same fastify instance as the plain listener: requests are handed to the API server's own request handler. It
 * exists for clients that insist on https — the Azure CLI (MSAL rejects a non-https authority). The certificate and key
 * are PEM files supplied by the operator (e.g. made with `openssl req -x509 ...`); Dockyard does not mint X.509 certs.
 */
export async function startTlsListener(
  platform: Platform,
  opts: { certFile: string; keyFile: string; host?: string; port?: number },
): Promise<TlsListener> {
  const host = opts.host ?? '127.0.0.1';
  const api = platform.api.server;
  const server: Server = createServer(
    { cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile) },
    (req, res) => {
      api.emit('request', req, res);
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  platform.onClose.push(close);
  return { endpoint: `https://${host}:${port}`, port, close };
}
