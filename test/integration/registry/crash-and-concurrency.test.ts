import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistryHarness, LOCAL_ADMIN } from '../../conformance/registry-harness.js';
import { registryOf } from '../../../src/app/index.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'dockyard.js');
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('50 parallel uploads of the same blob end with one valid blob', { timeout: 60_000 }, async (t) => {
  const h = await startRegistryHarness();
  t.after(() => h.cleanup());
  const auth = `Bearer ${await h.token('repository:par:pull,push')}`;
  const data = randomBytes(512 * 1024);
  const digest = sha(data);
  const results = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      if (i % 2 === 0)
        return (
          await h.fetch(`/v2/par/blobs/uploads/?digest=${digest}`, {
            auth,
            method: 'POST',
            body: data,
            headers: { 'content-type': 'application/octet-stream' },
          })
        ).status;
      const loc = (await h.fetch('/v2/par/blobs/uploads/', { auth, method: 'POST' })).headers.get('location')!;
      await h.fetch(loc, {
        auth,
        method: 'PATCH',
        body: data,
        headers: { 'content-type': 'application/octet-stream' },
      });
      return (await h.fetch(`${loc}?digest=${digest}`, { auth, method: 'PUT' })).status;
    }),
  );
  assert.deepEqual(new Set(results), new Set([201]));
  const hex = digest.slice(7);
  const file = join(h.ts.dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex);
  assert.equal(sha(readFileSync(file)), digest);
  assert.equal(readdirSync(join(h.ts.dataDir, 'blobs', 'sha256', hex.slice(0, 2))).length, 1);
  assert.deepEqual(readdirSync(join(h.ts.dataDir, 'uploads')), []);
  const got = Buffer.from(await (await h.fetch(`/v2/par/blobs/${digest}`, { auth })).arrayBuffer());
  assert.ok(got.equals(data));
});

test(
  'garbage collection frees unreferenced blobs after the grace period, keeps referenced ones',
  { timeout: 60_000 },
  async (t) => {
    const h = await startRegistryHarness({ overrides: { gcGraceSeconds: 0 } });
    t.after(() => h.cleanup());
    const auth = `Bearer ${await h.token('repository:gc:pull,push,delete')}`;
    const { pushImage, pushBlob } = await import('../../conformance/registry-harness.js');
    const img = await pushImage(h, 'gc', 'keep', auth, [Buffer.from('kept layer')]);
    const orphan = await pushBlob(h, 'gc', Buffer.from('orphan'), auth);
    await new Promise((r) => setTimeout(r, 10));
    const res = await registryOf(h.ts.platform)!.gc.run();
    assert.equal(res.blobsDeleted, 1);
    assert.equal((await h.fetch(`/v2/gc/blobs/${orphan}`, { auth, method: 'HEAD' })).status, 404);
    assert.equal((await h.fetch(`/v2/gc/blobs/${img.layerDigests[0]}`, { auth })).status, 200);
    assert.equal((await h.fetch(`/v2/gc/manifests/${img.digest}`, { auth, method: 'DELETE' })).status, 202);
    const res2 = await registryOf(h.ts.platform)!.gc.run();
    assert.equal(res2.blobsDeleted, 2, 'layer and config of the deleted manifest');
  },
);

function startServerProcess(
  dataDir: string,
): Promise<{ pid: number; endpoint: string; kill(sig: NodeJS.Signals): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'info', '--engine', 'none'],
      { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /"endpoint":"(http:[^"]+)"/.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve({
          pid: child.pid!,
          endpoint: m[1],
          kill: (sig) =>
            new Promise((r) => {
              child.once('exit', () => r());
              child.kill(sig);
            }),
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

test('kill -9 during a large upload leaves no partial blob visible', { timeout: 120_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dockyard-crash-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let srv = await startServerProcess(dataDir);
  const key = readFileSync(join(dataDir, 'admin.key'), 'utf8').trim();
  const admin = { authorization: `DockyardKey ${key}`, 'content-type': 'application/json' };
  const sub = ((await (await fetch(`${srv.endpoint}/dockyard/v1/info`, { headers: admin })).json()) as any)
    .subscriptionId;
  await fetch(`${srv.endpoint}/subscriptions/${sub}/resourcegroups/rg?api-version=2022-09-01`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ location: 'eastus' }),
  });
  const reg: any = await (
    await fetch(
      `${srv.endpoint}/subscriptions/${sub}/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/crashreg?api-version=2025-04-01`,
      { method: 'PUT', headers: admin, body: JSON.stringify({ location: 'eastus', sku: { name: 'Basic' } }) },
    )
  ).json();
  const loginServer: string = reg.loginServer;
  const [host, port] = loginServer.split(':');
  const basic = `Basic ${Buffer.from(`${LOCAL_ADMIN}:${key}`).toString('base64')}`;
  const total = 200 * 1024 * 1024;
  const chunk = randomBytes(1024 * 1024);
  const hash = createHash('sha256');
  for (let i = 0; i < total / chunk.length; i++) hash.update(chunk);
  const digest = `sha256:${hash.digest('hex')}`;
  // Stream 200 MiB; kill the server with SIGKILL when about half has been sent.
  await new Promise<void>((resolve) => {
    const req = request({
      host,
      port: Number(port),
      method: 'POST',
      path: `/v2/big/blobs/uploads/?digest=${digest}`,
      headers: { authorization: basic, 'content-length': String(total) },
    });
    req.on('error', () => resolve());
    req.on('response', () => resolve());
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (sent === total / 2) void srv.kill('SIGKILL');
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  const hex = digest.slice(7);
  assert.equal(
    existsSync(join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), hex)),
    false,
    'no blob file after the crash',
  );
  srv = await startServerProcess(dataDir);
  t.after(() => srv.kill('SIGTERM'));
  const head = await fetch(`http://${loginServer}/v2/big/blobs/${digest}`, {
    method: 'HEAD',
    headers: { authorization: basic },
  });
  assert.equal(head.status, 404);
  const left = readdirSync(join(dataDir, 'uploads'));
  for (const f of left) assert.ok(!existsSync(join(dataDir, 'blobs', 'sha256', hex.slice(0, 2), f)));
});

test(
  'deleting a registry purges its repositories; a registry recreated with the same name starts empty',
  { timeout: 60_000 },
  async (t) => {
    const h = await startRegistryHarness({ name: 'purgeme' });
    t.after(() => h.cleanup());
    const { pushImage } = await import('../../conformance/registry-harness.js');
    await pushImage(h, 'gone', 'v1', `Bearer ${await h.token('repository:gone:pull,push')}`);
    const path = `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/purgeme?api-version=2025-04-01`;
    const del = await h.ts.api(path, { method: 'DELETE' });
    assert.ok(del.status === 200 || del.status === 202 || del.status === 204, `delete: ${del.status}`);
    const again = await h.createRegistry('purgeme');
    const basic = h.adminBasic;
    const tok = (await (
      await fetch(`http://${again.loginServer}/oauth2/token?service=${again.loginServer}&scope=registry:catalog:*`, {
        headers: { authorization: basic },
      })
    ).json()) as any;
    const cat = (await (
      await fetch(`http://${again.loginServer}/v2/_catalog`, {
        headers: { authorization: `Bearer ${tok.access_token}` },
      })
    ).json()) as any;
    assert.deepEqual(cat.repositories, []);
  },
);
