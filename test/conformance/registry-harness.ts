import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/server.js';

export const LOCAL_ADMIN = '00000000-0000-0000-0000-00000000ad01';
export const NULL_GUID = '00000000-0000-0000-0000-000000000000';
export const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface RegistryHarness {
  ts: TestServer;
  name: string;
  loginServer: string;
  base: string;
  /** Basic header of the local admin (accepted on the data plane and on /oauth2/token). */
  adminBasic: string;
  /** An access token for the given scopes, obtained with the local admin's Basic credentials. */
  token(...scopes: string[]): Promise<string>;
  /** fetch against the registry listener. */
  fetch(path: string, init?: RequestInit & { auth?: string | null }): Promise<Response>;
  createRegistry(name: string, props?: Record<string, unknown>): Promise<{ loginServer: string; id: string }>;
  cleanup(): Promise<void>;
}

export async function startRegistryHarness(
  opts: {
    name?: string;
    adminUserEnabled?: boolean;
    overrides?: Record<string, unknown>;
    dataDir?: string;
    serverOptions?: Parameters<typeof startTestServer>[2];
  } = {},
): Promise<RegistryHarness> {
  const ts = await startTestServer(opts.overrides as never, opts.dataDir, opts.serverOptions);
  const adminBasic = `Basic ${Buffer.from(`${LOCAL_ADMIN}:${ts.platform.admin.key}`).toString('base64')}`;
  const createRegistry = async (name: string, props: Record<string, unknown> = {}) => {
    await ts.api(`/subscriptions/${ts.sub}/resourcegroups/rg1?api-version=2022-09-01`, {
      method: 'PUT',
      body: { location: 'eastus' },
    });
    const r = await ts.api(
      `/subscriptions/${ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/${name}?api-version=2025-04-01`,
      {
        method: 'PUT',
        body: { location: 'eastus', sku: { name: 'Premium' }, properties: props },
      },
    );
    if (r.status >= 300) throw new Error(`create registry: ${r.status} ${r.text}`);
    return { loginServer: (r.json.loginServer ?? r.json.properties?.loginServer) as string, id: r.json.id as string };
  };
  const name = opts.name ?? 'myregistry';
  const { loginServer } = await createRegistry(name, { adminUserEnabled: opts.adminUserEnabled ?? false });
  const base = `http://${loginServer}`;
  const h: RegistryHarness = {
    ts,
    name,
    loginServer,
    base,
    adminBasic,
    createRegistry,
    async token(...scopes) {
      const q = new URLSearchParams({ service: loginServer });
      for (const s of scopes) q.append('scope', s);
      const r = await fetch(`${base}/oauth2/token?${q}`, { headers: { authorization: adminBasic } });
      if (r.status !== 200) throw new Error(`token: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { access_token: string }).access_token;
    },
    async fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (init.auth !== undefined && init.auth !== null) headers.set('authorization', init.auth);
      return fetch(`${base}${path}`, {
        ...init,
        headers,
        redirect: 'manual',
        ...(init.body ? { duplex: 'half' } : {}),
      } as RequestInit);
    },
    async cleanup() {
      await ts.cleanup();
    },
  };
  return h;
}

/** Pushes a blob monolithically (POST ?digest=) with a bearer/basic header. */
export async function pushBlob(h: RegistryHarness, repo: string, data: Buffer, auth: string): Promise<string> {
  const digest = sha(data);
  const r = await h.fetch(`/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    body: data,
    auth,
    headers: { 'content-type': 'application/octet-stream' },
  });
  if (r.status !== 201) throw new Error(`push blob: ${r.status} ${await r.text()}`);
  return digest;
}

/** Builds and pushes a small OCI image (config + layers); returns the manifest digest and body. */
export async function pushImage(
  h: RegistryHarness,
  repo: string,
  tag: string,
  auth: string,
  layers: Buffer[] = [Buffer.from(`layer-${repo}-${tag}`)],
  extra: Record<string, unknown> = {},
): Promise<{ digest: string; body: Buffer; layerDigests: string[]; configDigest: string }> {
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const configDigest = await pushBlob(h, repo, config, auth);
  const layerDigests: string[] = [];
  for (const l of layers) layerDigests.push(await pushBlob(h, repo, l, auth));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layers.map((l, i) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: layerDigests[i],
      size: l.length,
    })),
    ...extra,
  };
  const body = Buffer.from(JSON.stringify(manifest));
  const r = await h.fetch(`/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    body,
    auth,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (r.status !== 201) throw new Error(`push manifest: ${r.status} ${await r.text()}`);
  return { digest: sha(body), body, layerDigests, configDigest };
}
