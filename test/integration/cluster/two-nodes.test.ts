// Two real `dockyard serve` processes on ONE database (a shared SQLite file, WAL) and ONE blob store (a shared
// directory), with the same master key file: they differ by --host (127.0.0.2 / 127.0.0.3) and use the same ports.
// Shows: a token issued by node A is accepted by node B; the admin key is the same on both; a timer trigger fires
// exactly once per occurrence; an outbox event (a push) is consumed once (one webhook delivery); GC running on both
// nodes never deletes a blob that uploads on either node are linking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnServer, stopServer } from '../../helpers/server-process.js';
import { cliFor } from '../../helpers/cli.js';
import { startReceiver } from '../webhooks/receiver.js';

const API_PORT = 15510;
const REGISTRY_PORT_BASE = 15520;
const ADMIN_OID = '00000000-0000-0000-0000-00000000ad01';
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Node {
  child: ChildProcess;
  output: () => string;
  dataDir: string;
  endpoint: string;
  host: string;
}

const root = mkdtempSync(join(tmpdir(), 'dy-cluster-'));
const shared = join(root, 'shared');
mkdirSync(shared, { recursive: true, mode: 0o700 });
const masterKey = join(shared, 'master.key');
writeFileSync(masterKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });

async function startNode(name: string, host: string): Promise<Node> {
  const dataDir = join(root, name);
  const { child, output } = await spawnServer(dataDir, [
    '--host',
    host,
    '--port',
    String(API_PORT),
    '--registry-port-base',
    String(REGISTRY_PORT_BASE),
    '--engine',
    'none',
    '--database',
    join(shared, 'dockyard.db'),
    '--blob-dir',
    join(shared, 'blobs'),
    '--secret-key-file',
    masterKey,
    '--gc-interval-seconds',
    '1',
  ]);
  return { child, output, dataDir, host, endpoint: `http://${host}:${API_PORT}` };
}

const adminKey = (n: Node) => readFileSync(join(n.dataDir, 'admin.key'), 'utf8').trim();
const endpointInfo = (n: Node) =>
  JSON.parse(readFileSync(join(n.dataDir, 'endpoint.json'), 'utf8')) as { tenantId: string; subscriptionId: string };

async function ok(p: Promise<{ code: number; stdout: string; stderr: string }>): Promise<any> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('two API nodes on one database and one blob store act as one service', { timeout: 240_000 }, async (t) => {
  const nodes: Node[] = [];
  t.after(async () => {
    for (const n of nodes) await stopServer(n.child);
    rmSync(root, { recursive: true, force: true });
  });
  const rx = await startReceiver();
  t.after(() => rx.close());

  const a = await startNode('a', '127.0.0.2');
  nodes.push(a);
  const cliA = cliFor(a.dataDir);
  const { tenantId, subscriptionId } = endpointInfo(a);
  await ok(cliA('group', 'create', '-n', 'rg', '-l', 'eastus'));
  const reg = await ok(cliA('acr', 'create', '-g', 'rg', '-n', 'clusterreg', '--sku', 'Basic'));
  const port = Number(String(reg.loginServer).split(':').pop());
  await ok(
    cliA('acr', 'webhook', 'create', '-r', 'clusterreg', '-n', 'oncehook', '--uri', rx.url, '--actions', 'push'),
  );
  // Node B starts after the registry exists (port-per-registry mode opens listeners at start; docs/deploy.md).
  const b = await startNode('b', '127.0.0.3');
  nodes.push(b);
  const logs = () => `node A:\n${a.output().slice(-3000)}\nnode B:\n${b.output().slice(-3000)}`;

  await t.test('the admin key and the identity signing keys are shared', async () => {
    assert.equal(adminKey(b), adminKey(a), 'node B writes the shared admin key into its data dir');
    const res = await fetch(`${a.endpoint}/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: ADMIN_OID,
        client_secret: adminKey(a),
        scope: 'https://management.azure.com/.default',
      }).toString(),
    });
    assert.equal(res.status, 200);
    const { access_token } = (await res.json()) as { access_token: string };
    const onB = await fetch(`${b.endpoint}/subscriptions/${subscriptionId}/resourcegroups?api-version=2022-09-01`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    assert.equal(onB.status, 200, 'a token issued by node A is accepted by node B');
    const jwksA = await (await fetch(`${a.endpoint}/${tenantId}/discovery/v2.0/keys`)).json();
    const jwksB = await (await fetch(`${b.endpoint}/${tenantId}/discovery/v2.0/keys`)).json();
    assert.deepEqual(jwksB, jwksA);
    // And the registry's own tokens: an access token from node A's token endpoint is accepted by node B. (In
    // port-per-registry mode the recorded login server names the node that started last: docs/deploy.md.)
    const { loginServer } = await ok(cliA('acr', 'show', '-n', 'clusterreg'));
    const basic = `Basic ${Buffer.from(`${ADMIN_OID}:${adminKey(a)}`).toString('base64')}`;
    const tok = await fetch(`http://${a.host}:${port}/oauth2/token?service=${loginServer}&scope=registry:catalog:*`, {
      headers: { authorization: basic },
    });
    assert.equal(tok.status, 200, await tok.clone().text());
    const { access_token: registryToken } = (await tok.json()) as { access_token: string };
    const catalog = await fetch(`http://${b.host}:${port}/v2/_catalog`, {
      headers: { authorization: `Bearer ${registryToken}` },
    });
    assert.equal(catalog.status, 200, 'a registry access token issued by node A is accepted by node B');
  });

  await t.test('an outbox event is consumed once: one push, one webhook delivery', async () => {
    const basic = `Basic ${Buffer.from(`${ADMIN_OID}:${adminKey(a)}`).toString('base64')}`;
    const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
    const up = await fetch(`http://${a.host}:${port}/v2/app/blobs/uploads/?digest=${sha(config)}`, {
      method: 'POST',
      body: config,
      headers: { authorization: basic, 'content-type': 'application/octet-stream' },
    });
    assert.equal(up.status, 201);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
        layers: [],
      }),
    );
    // The manifest goes through node B: the blob pushed through A is there (one blob store, one database).
    const put = await fetch(`http://${b.host}:${port}/v2/app/manifests/v1`, {
      method: 'PUT',
      body: manifest,
      headers: { authorization: basic, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    });
    assert.equal(put.status, 201, await put.clone().text());
    await rx.waitFor(1, 20_000);
    // Both nodes' delivery loops tick every 500 ms: give a duplicate every chance to show up.
    await new Promise((r) => setTimeout(r, 4000));
    const pushes = rx.got.filter((g) => g.body?.action === 'push' && g.body?.target?.tag === 'v1');
    assert.equal(pushes.length, 1, `exactly one delivery, got ${rx.got.length}`);
  });

  await t.test('GC on both nodes never deletes a blob an upload on either node is linking', async () => {
    const basic = `Basic ${Buffer.from(`${ADMIN_OID}:${adminKey(a)}`).toString('base64')}`;
    // The same content over and over: every upload after the first reuses a stored blob that GC (every second, on
    // whichever node holds the lease) may be about to delete, because the previous image was deleted.
    const data = Buffer.from(`shared-layer-${randomBytes(8).toString('hex')}`);
    const digest = sha(data);
    for (let i = 0; i < 40; i++) {
      const [up, other] = i % 2 ? [a, b] : [b, a];
      const repo = `gc${i}`;
      const post = await fetch(`http://${up.host}:${port}/v2/${repo}/blobs/uploads/?digest=${digest}`, {
        method: 'POST',
        body: data,
        headers: { authorization: basic, 'content-type': 'application/octet-stream' },
      });
      assert.equal(post.status, 201, `upload ${i}: ${await post.clone().text()}\n${logs()}`);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: data.length },
          layers: [],
        }),
      );
      const put = await fetch(`http://${other.host}:${port}/v2/${repo}/manifests/t`, {
        method: 'PUT',
        body: manifest,
        headers: { authorization: basic, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      });
      assert.equal(put.status, 201, `manifest ${i}: ${await put.clone().text()}\n${logs()}`);
      for (const n of [a, b]) {
        const got = await fetch(`http://${n.host}:${port}/v2/${repo}/blobs/${digest}`, {
          headers: { authorization: basic },
        });
        assert.equal(got.status, 200, `blob of image ${i} readable on ${n.host}`);
        assert.ok(Buffer.from(await got.arrayBuffer()).equals(data));
      }
      const del = await fetch(`http://${up.host}:${port}/v2/${repo}/manifests/${sha(manifest)}`, {
        method: 'DELETE',
        headers: { authorization: basic },
      });
      assert.equal(del.status, 202);
      await new Promise((r) => setTimeout(r, 60 + (i % 5) * 90));
    }
  });

  await t.test(
    'a timer trigger fires exactly once per occurrence with both nodes up',
    { timeout: 150_000 },
    async () => {
      await ok(
        cliA(
          'acr',
          'task',
          'create',
          '-r',
          'clusterreg',
          '-n',
          'ticktask',
          '-c',
          '/dev/null',
          '--cmd',
          'busybox echo hi',
          '--schedule',
          '* * * * *',
        ),
      );
      const runsOn = async (n: Node) => {
        const r = await fetch(
          `${n.endpoint}/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/clusterreg/runs?api-version=2019-06-01-preview`,
          { headers: { authorization: `DockyardKey ${adminKey(n)}` } },
        );
        assert.equal(r.status, 200);
        return ((await r.json()) as { value: any[] }).value.filter((x) => x.task === 'ticktask');
      };
      const first = await until('a timer run', async () => ((await runsOn(a)).length ? runsOn(a) : undefined), 130_000);
      // Both nodes tick every second; a second node's duplicate would show up within a few.
      await new Promise((r) => setTimeout(r, 5000));
      const seenA = await runsOn(a);
      const seenB = await runsOn(b);
      assert.deepEqual(seenB.map((x) => x.name).sort(), seenA.map((x) => x.name).sort());
      const occurrences = seenA.map((x) => x.timerTrigger?.scheduleOccurrence);
      assert.ok(
        occurrences.every((o) => typeof o === 'string'),
        'every run of the task came from its timer',
      );
      assert.equal(new Set(occurrences).size, seenA.length, `one run per occurrence: ${JSON.stringify(occurrences)}`);
      assert.ok(first.length >= 1);
    },
  );
});
