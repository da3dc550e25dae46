import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { renderHosts } from '../../../src/app/hosts-file.js';

// Login servers by name over TLS (engine none): registries are <name>.dockyard.test:<port> on one https listener,
// routed by Host; the server trusts its own CA and resolves the suffix itself, so this process's fetch does too.
const LOCAL_ADMIN = '00000000-0000-0000-0000-00000000ad01';
let s: TestServer;
let work: string;
let hostsFile: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-names-'));
  hostsFile = join(work, 'hosts');
  writeFileSync(hostsFile, '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n');
  s = await startTestServer({ loginServerSuffix: 'dockyard.test', tlsPort: 0, manageHosts: true, hostsFile } as never);
  assert.equal(
    (
      await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?api-version=2022-09-01`, {
        method: 'PUT',
        body: { location: 'eastus' },
      })
    ).status,
    201,
  );
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const createRegistry = async (name: string) => {
  const r = await s.api(
    `/subscriptions/${s.sub}/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/${name}?api-version=2025-04-01`,
    {
      method: 'PUT',
      body: { location: 'eastus', sku: { name: 'Premium' } },
    },
  );
  assert.ok(r.status < 300, r.text);
  return (r.json.loginServer ?? r.json.properties?.loginServer) as string;
};
const basic = () => `Basic ${Buffer.from(`${LOCAL_ADMIN}:${s.platform.admin.key}`).toString('base64')}`;
const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('registries are <name>.<suffix>:<port> over TLS with a challenge, tokens bound to the host, and hosts entries', async () => {
  const port = s.platform.names!.front.port;
  const ls1 = await createRegistry('myregistry');
  const ls2 = await createRegistry('otherregistry');
  assert.equal(ls1, `myregistry.dockyard.test:${port}`);
  assert.equal(ls2, `otherregistry.dockyard.test:${port}`);

  const hosts = readFileSync(hostsFile, 'utf8');
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m, 'other lines are kept');
  assert.match(hosts, /^127\.0\.0\.1\tmyregistry\.dockyard\.test\t# dockyard:/m);
  assert.match(hosts, /^127\.0\.0\.1\totherregistry\.dockyard\.test\t# dockyard:/m);

  const challenge = await fetch(`https://${ls1}/v2/`);
  assert.equal(challenge.status, 401);
  assert.equal(
    challenge.headers.get('www-authenticate'),
    `Bearer realm="https://${ls1}/oauth2/token",service="${ls1}"`,
  );

  const tok = await fetch(
    `https://${ls1}/oauth2/token?service=${encodeURIComponent(ls1)}&scope=repository:app:pull,push`,
    { headers: { authorization: basic() } },
  );
  assert.equal(tok.status, 200);
  const token = ((await tok.json()) as { access_token: string }).access_token;
  const auth = { authorization: `Bearer ${token}` };

  // A push over TLS by name: blob, config, manifest; then a pull by tag.
  const layer = Buffer.from('layer over tls');
  const config = Buffer.from('{}');
  for (const b of [layer, config]) {
    const r = await fetch(`https://${ls1}/v2/app/blobs/uploads/?digest=${sha(b)}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: b,
    });
    assert.equal(r.status, 201, await r.text());
  }
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha(layer), size: layer.length }],
  });
  const put = await fetch(`https://${ls1}/v2/app/manifests/v1`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  assert.equal(put.status, 201, await put.text());
  const got = await fetch(`https://${ls1}/v2/app/manifests/v1`, {
    headers: { ...auth, accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(got.status, 200);
  assert.equal(await got.text(), manifest);

  // The token names its login server: the other registry on the same listener refuses it.
  const cross = await fetch(`https://${ls2}/v2/app/manifests/v1`, { headers: auth });
  assert.equal(cross.status, 401);
  // An unknown registry name under the suffix is the registry plane's 404, not the API.
  const unknown = await fetch(`https://nosuchregistry.dockyard.test:${port}/v2/`);
  assert.equal(unknown.status, 404);
  // The API answers on the same listener by its IP.
  const info = await fetch(`${s.platform.names!.front.endpoint}/dockyard/v1/info`);
  assert.equal(info.status, 200);

  // Deleting a registry removes its hosts entry and nothing else.
  const del = await s.api(
    `/subscriptions/${s.sub}/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/otherregistry?api-version=2025-04-01`,
    { method: 'DELETE' },
  );
  assert.ok(del.status < 300, del.text);
  const after = readFileSync(hostsFile, 'utf8');
  assert.doesNotMatch(after, /otherregistry/);
  assert.match(after, /myregistry\.dockyard\.test/);
  assert.match(after, /^::1\tlocalhost ip6-localhost$/m);
});

test('Key Vault by host: https://<vault>.vault.<suffix>/secrets/... with vaultUri in that form', async () => {
  const port = s.platform.names!.front.port;
  const v = await s.api(
    `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kvnames1?api-version=2022-07-01`,
    {
      method: 'PUT',
      body: {
        location: 'eastus',
        properties: { tenantId: s.platform.tenantId, sku: { family: 'A', name: 'standard' } },
      },
    },
  );
  assert.ok(v.status < 300, v.text);
  assert.equal(v.json.properties.vaultUri, `https://kvnames1.vault.dockyard.test:${port}/`);
  assert.match(readFileSync(hostsFile, 'utf8'), /^127\.0\.0\.1\tkvnames1\.vault\.dockyard\.test\t# dockyard:/m);
  // Key Vault's own challenge, reached by host name.
  const r = await fetch(`https://kvnames1.vault.dockyard.test:${port}/secrets/x?api-version=7.4`);
  assert.equal(r.status, 401);
  assert.match(r.headers.get('www-authenticate') ?? '', /Bearer authorization=/);
});

test('hosts file rendering keeps foreign lines and replaces only its own block', () => {
  const before = '127.0.0.1\tlocalhost\n10.1.1.1\tfoo # dockyard:other\n127.0.0.1\told.dockyard.test\t# dockyard:t1\n';
  const out = renderHosts(before, 't1', ['b.dockyard.test', 'a.dockyard.test', 'a.dockyard.test']);
  assert.equal(
    out,
    '127.0.0.1\tlocalhost\n10.1.1.1\tfoo # dockyard:other\n127.0.0.1\ta.dockyard.test\t# dockyard:t1\n127.0.0.1\tb.dockyard.test\t# dockyard:t1\n',
  );
  assert.equal(renderHosts(out, 't1', []), '127.0.0.1\tlocalhost\n10.1.1.1\tfoo # dockyard:other\n');
});
