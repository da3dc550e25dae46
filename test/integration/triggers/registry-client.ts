import { createHash } from 'node:crypto';
import { request } from 'node:http';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A minimal registry client for tests: pushes a one-layer OCI image and reads tag digests (Basic auth). */
export function registryClient(loginServer: string, basic: string) {
  // node:http without keep-alive: a pooled connection to a server that restarted on the same port would be stale.
  const req = (path: string, init: { method?: string; body?: Buffer; headers?: Record<string, string> } = {}) =>
    new Promise<{ status: number; headers: Headers; text(): Promise<string> }>((resolve, reject) => {
      const [host, port] = loginServer.split(':');
      const r = request(
        {
          host,
          port: Number(port),
          path,
          method: init.method ?? 'GET',
          agent: false,
          headers: {
            authorization: basic,
            ...(init.body ? { 'content-length': String(init.body.length) } : {}),
            ...init.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve({ status: res.statusCode ?? 0, headers, text: async () => Buffer.concat(chunks).toString() });
          });
        },
      );
      r.on('error', reject);
      r.end(init.body);
    });
  const blob = async (repo: string, data: Buffer) => {
    const digest = sha(data);
    const r = await req(`/v2/${repo}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: data,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (r.status !== 201) throw new Error(`push blob: ${r.status} ${await r.text()}`);
    return digest;
  };
  return {
    /** Pushes `repo:tag` whose only layer is `content`; the same content gives the same manifest digest. */
    async push(repo: string, tag: string, content: string): Promise<string> {
      const config = Buffer.from(
        JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
      );
      const layer = Buffer.from(content);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: await blob(repo, config),
            size: config.length,
          },
          layers: [
            {
              mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
              digest: await blob(repo, layer),
              size: layer.length,
            },
          ],
        }),
      );
      const r = await req(`/v2/${repo}/manifests/${tag}`, {
        method: 'PUT',
        body: manifest,
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      if (r.status !== 201) throw new Error(`push manifest: ${r.status} ${await r.text()}`);
      return sha(manifest);
    },
    async digestOf(repo: string, tag: string): Promise<string> {
      const r = await req(`/v2/${repo}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      if (r.status !== 200) throw new Error(`head manifest: ${r.status}`);
      return r.headers.get('docker-content-digest')!;
    },
  };
}
