import { request } from 'node:https';
import { createHash } from 'node:crypto';

export const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface RegistryTarget {
  /** The TCP address to connect to: a node (127.0.0.2/3) or haproxy (127.0.0.1). */
  address: string;
  /** The login server, `<name>.<suffix>:<port>` (SNI and Host). */
  loginServer: string;
  ca: string;
  auth: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One registry request over TLS by name to a chosen address, on a new connection (so haproxy places each one). */
export function registryRequest(
  t: RegistryTarget,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const [host, port] = t.loginServer.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: t.address,
        port: Number(port),
        servername: host,
        ca: t.ca,
        method,
        path,
        agent: false,
        headers: {
          host: t.loginServer,
          authorization: t.auth,
          connection: 'close',
          ...(body ? { 'content-length': String(body.length) } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The path part of an upload Location (absolute or relative). */
export const locationPath = (r: Reply): string => {
  const loc = String(r.headers.location ?? '');
  return loc.startsWith('http') ? new URL(loc).pathname + new URL(loc).search : loc;
};

/** Appends `digest=` to an upload location. */
export const withDigest = (loc: string, digest: string): string =>
  `${loc}${loc.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;

export function imageManifest(config: Buffer, layers: Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: sha(l),
        size: l.length,
      })),
    }),
  );
}
