import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { LOCAL_ADMIN_OBJECT_ID } from '../../../src/identity/index.js';
import { registryOf } from '../../../src/app/wire-registry.js';
import { assign, createSp, spToken } from '../identity/principals.js';
import { basic, from, pushTiny } from './client.js';

let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let src: { loginServer: string; id: string };
let dst: { loginServer: string; id: string };
let admin: string;

before(async () => {
  s = await startTestServer();
  cli = cliFor(s.dataDir);
  assert.equal((await cli('group', 'create', '-n', 'imprg', '-l', 'eastus')).code, 0);
  const a = await cli('acr', 'create', '-n', 'impsrc', '-g', 'imprg', '--sku', 'Premium');
  const b = await cli('acr', 'create', '-n', 'impdst', '-g', 'imprg', '--sku', 'Basic');
  assert.equal(a.code, 0, a.stderr);
  src = JSON.parse(a.stdout);
  dst = JSON.parse(b.stdout);
  admin = basic(LOCAL_ADMIN_OBJECT_ID, s.platform.admin.key);
  assert.equal(await pushTiny('127.0.0.1', src.loginServer, admin, 'base', '1'), 201);
  assert.equal(await pushTiny('127.0.0.1', src.loginServer, admin, 'base', '2'), 201);
});
after(async () => {
  await s.cleanup();
});

const tags = async (loginServer: string, repo: string) =>
  (await from('127.0.0.1', `http://${loginServer}/v2/${repo}/tags/list`, { headers: { authorization: admin } })).json
    ?.tags;

test('acr import copies server side (login-server form and -r form), NoForce refuses to move a tag, --force does', async () => {
  const r1 = await cli('acr', 'import', '-n', 'impdst', '--source', `${src.loginServer}/base:1`);
  assert.equal(r1.code, 0, r1.stderr);
  const out = JSON.parse(r1.stdout);
  assert.deepEqual(out.targets, ['base:1']);
  assert.deepEqual(await tags(dst.loginServer, 'base'), ['1']);
  const m = await from('127.0.0.1', `http://${dst.loginServer}/v2/base/manifests/1`, {
    headers: { authorization: admin, accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(m.status, 200);
  assert.equal(m.headers['docker-content-digest'], out.digest);
  // Blobs are reachable in the target repository.
  const cfg = m.json.config.digest as string;
  assert.equal(
    (await from('127.0.0.1', `http://${dst.loginServer}/v2/base/blobs/${cfg}`, { headers: { authorization: admin } }))
      .status,
    200,
  );
  // Events for the target were written (image.pushed) like a push.
  const row = await registryOf(s.platform)!.metadata.resolve('impdst', 'base', { tag: '1' });
  assert.equal(row, out.digest);

  const r2 = await cli(
    'acr',
    'import',
    '-n',
    'impdst',
    '--source',
    'base:2',
    '-r',
    'impsrc',
    '-t',
    'base:1',
    '-t',
    'copies/base:two',
  );
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /Conflict.*already exists/s);
  const r3 = await cli(
    'acr',
    'import',
    '-n',
    'impdst',
    '--source',
    'base:2',
    '-r',
    'impsrc',
    '-t',
    'base:1',
    '-t',
    'copies/base:two',
    '--force',
  );
  assert.equal(r3.code, 0, r3.stderr);
  assert.deepEqual(JSON.parse(r3.stdout).targets, ['base:1', 'copies/base:two']);
  assert.deepEqual(await tags(dst.loginServer, 'copies/base'), ['two']);
  const missing = await cli('acr', 'import', '-n', 'impdst', '--source', `${src.loginServer}/base:nope`);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /not found/);
});

test('acr import needs pull on the source and push on the target', async () => {
  const sp = await createSp(s, 'importer');
  const token = await spToken(s, sp);
  const call = () =>
    fetch(`${s.endpoint}${dst.id}/importImage?api-version=2025-04-01`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { resourceId: src.id, sourceImage: 'base:1' },
        targetTags: ['sp/base:1'],
        mode: 'NoForce',
      }),
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
  let r = await call();
  assert.equal(r.status, 403);
  assert.match(r.json.error.message, /pull access/);
  await assign(s, sp.objectId, 'AcrPull', src.id);
  r = await call();
  assert.equal(r.status, 403);
  assert.match(r.json.error.message, /push access/);
  await assign(s, sp.objectId, 'AcrPush', dst.id);
  r = await call();
  assert.equal(r.status, 200, JSON.stringify(r.json));
});

test('acr import from a network-restricted source works only while it allows trusted services', async () => {
  assert.equal((await cli('acr', 'update', '-n', 'impsrc', '--public-network-enabled', 'false')).code, 0);
  // Plain clients are refused by the source now.
  assert.equal(
    (await from('127.0.0.1', `http://${src.loginServer}/v2/base/tags/list`, { headers: { authorization: admin } }))
      .status,
    403,
  );
  const ok = await cli('acr', 'import', '-n', 'impdst', '--source', `${src.loginServer}/base:1`, '-t', 'restricted:1');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((await cli('acr', 'update', '-n', 'impsrc', '--allow-trusted-services', 'false')).code, 0);
  const denied = await cli(
    'acr',
    'import',
    '-n',
    'impdst',
    '--source',
    `${src.loginServer}/base:1`,
    '-t',
    'restricted:2',
  );
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /ImportSourceNetworkDenied/);
  assert.match(denied.stderr, /trusted-services-not-allowed/);
  assert.deepEqual(await tags(dst.loginServer, 'restricted'), ['1']);
  assert.equal(
    (await cli('acr', 'update', '-n', 'impsrc', '--allow-trusted-services', 'true', '--public-network-enabled', 'true'))
      .code,
    0,
  );
});
