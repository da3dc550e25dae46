import { request } from 'node:http';
import { createHash } from 'node:crypto';

export interface Reply {
  status: number;
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

/** One HTTP request from a chosen loopback source address (127.0.0.0/8 acts as different clients). */
export function from(
  localAddress: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

export const formBody = (o: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(o).toString(),
  method: 'POST',
});

export const deniedBody = (ip: string) => ({
  errors: [
    {
      code: 'DENIED',
      message: `client with IP '${ip}' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.`,
      detail: null,
    },
  ],
});

/** Pushes a one-blob image with the local admin's Basic credentials; returns the manifest status. */
export async function pushTiny(
  localAddress: string,
  loginServer: string,
  auth: string,
  repo: string,
  tag: string,
): Promise<number> {
  const h = { authorization: auth };
  const config = Buffer.from(
    `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"tag":"${tag}"}`,
  );
  const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const start = await from(localAddress, `http://${loginServer}/v2/${repo}/blobs/uploads/`, {
    method: 'POST',
    headers: h,
  });
  if (start.status !== 202) return start.status;
  const loc = new URL(String(start.headers.location), `http://${loginServer}`);
  loc.searchParams.set('digest', digest);
  const put = await from(localAddress, loc.toString(), {
    method: 'PUT',
    headers: { ...h, 'content-type': 'application/octet-stream' },
    body: config,
  });
  if (put.status !== 201) return put.status;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.length },
    layers: [],
  });
  const m = await from(localAddress, `http://${loginServer}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...h, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  return m.status;
}
