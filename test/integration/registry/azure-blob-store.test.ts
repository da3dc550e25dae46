import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../../helpers/azurite.js';
import { startTestServer } from '../../helpers/server.js';
import { LOCAL_ADMIN, startRegistryHarness } from '../../conformance/registry-harness.js';
import { layoutBlobs, writeOciLayout } from '../../e2e/registry/oci-layout.js';
import { registryOf } from '../../../src/app/wire-registry.js';
import { maskSecrets } from '../../../src/shared/index.js';

const run = promisify(execFile);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MiB = 1024 * 1024;

after(async () => (await startAzurite()).stop());

async function azureConfig() {
  const az = await startAzurite();
  const container = `dy${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const blobNames = async (prefix: string) => {
    const c = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient(container);
    const names: string[] = [];
    for await (const b of c.listBlobsFlat({ prefix })) names.push(b.name);
    return names;
  };
  return {
    overrides: { blobStore: 'azure', blobConnectionString: az.connectionString, blobContainer: container },
    blobNames,
  };
}

// Needs Debian's `skopeo` (scripts/setup.sh --test).
test(
  '--blob-store azure: skopeo pushes and pulls an image; blobs live in the container, not the data dir',
  {
    timeout: 240_000,
  },
  async (t) => {
    const { overrides, blobNames } = await azureConfig();
    const h = await startRegistryHarness({ overrides });
    const work = mkdtempSync(join(tmpdir(), 'dockyard-azure-skopeo-'));
    t.after(async () => {
      await h.cleanup();
      rmSync(work, { recursive: true, force: true });
    });
    const src = join(work, 'src');
    // Layers over 8 MiB: several staged blocks each.
    const { manifestDigest, blobs } = await writeOciLayout(src, 'v1', 2, 10 * MiB);
    const env = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json'), DOCKER_CONFIG: join(work, 'docker') };
    writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const creds = `${LOCAL_ADMIN}:${h.ts.platform.admin.key}`;
    const ref = `docker://${h.loginServer}/team/app:v1`;
    await run('skopeo', ['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${src}:v1`, ref], { env });
    const dst = join(work, 'dst');
    await run('skopeo', ['copy', '--src-tls-verify=false', '--src-creds', creds, ref, `oci:${dst}:v1`], { env });
    const a = layoutBlobs(src);
    const b = layoutBlobs(dst);
    for (const d of [...blobs, manifestDigest]) assert.ok(a.get(d)!.equals(b.get(d)!), `bytes of ${d} round-trip`);
    const stored = await blobNames('blobs/sha256/');
    for (const d of blobs) assert.ok(stored.includes(`blobs/sha256/${d.slice(7)}`), `${d} is in the container`);
    assert.deepEqual(await blobNames('uploads/'), [], 'no upload left behind');
    const local = join(h.ts.dataDir, 'blobs', 'sha256');
    assert.ok(!existsSync(local) || readdirSync(local).length === 0, 'nothing in the data dir');
    // A Range read of a layer comes from a ranged download.
    const big = blobs.find((d) => a.get(d)!.length > 10 * MiB)!;
    const layer = a.get(big)!;
    const r = await h.fetch(`/v2/team/app/blobs/${big}`, {
      auth: h.adminBasic,
      headers: { range: `bytes=${9 * MiB - 5}-${9 * MiB + 4}` },
    });
    assert.equal(r.status, 206);
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(layer.subarray(9 * MiB - 5, 9 * MiB + 5)));
    // The connection string is a secret: not in the info endpoint or the connection file.
    const info = await h.ts.api('/dockyard/v1/info');
    assert.ok(!info.text.includes('AccountKey'));
    const key = /AccountKey=([^;]+)/.exec(overrides.blobConnectionString)![1];
    const logged = maskSecrets(`connecting with ${overrides.blobConnectionString} (key ${key})`);
    assert.ok(!logged.includes(key), 'the account key is masked in logs');
  },
);

for (const kind of ['azure', 'fs'] as const) {
  test(
    `two API nodes share one ${kind} store: PATCHes alternate between them, the second commits; GC on one spares the other node's live upload`,
    {
      timeout: 240_000,
    },
    async (t) => {
      const azure = kind === 'azure' ? await azureConfig() : undefined;
      const overrides = azure?.overrides ?? {};
      const dataDir = mkdtempSync(join(tmpdir(), 'dockyard-two-nodes-'));
      // Node A first (creates the database and the registry), then node B on the same SQLite file and container.
      const a = await startTestServer({ ...overrides, gcGraceSeconds: 0 } as never, dataDir);
      t.after(() => rmSync(dataDir, { recursive: true, force: true }));
      t.after(() => a.cleanup());
      await a.api(`/subscriptions/${a.sub}/resourcegroups/rg1?api-version=2022-09-01`, {
        method: 'PUT',
        body: { location: 'eastus' },
      });
      const created = await a.api(
        `/subscriptions/${a.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/shared?api-version=2025-04-01`,
        { method: 'PUT', body: { location: 'eastus', sku: { name: 'Premium' } } },
      );
      assert.ok(created.status < 300, created.text);
      const nodeA = `http://${(created.json.loginServer ?? created.json.properties?.loginServer) as string}`;
      const b = await startTestServer({ ...overrides, host: '127.0.0.2' } as never, dataDir);
      t.after(() => b.cleanup());
      const nodeB = `http://${(await b.platform.registries.byName('shared'))!.login_server}`;
      assert.notEqual(nodeA, nodeB);
      const auth = `Basic ${Buffer.from(`${LOCAL_ADMIN}:${a.platform.admin.key}`).toString('base64')}`;

      // A chunked upload: POST on A, PATCHes on A, B, A, the final PUT (commit) on B.
      const body = randomBytes(15 * MiB + 3);
      const cuts = [0, 9 * MiB, 10 * MiB + 3, 15 * MiB + 3];
      const post = await fetch(`${nodeA}/v2/team/big/blobs/uploads/`, {
        method: 'POST',
        headers: { authorization: auth },
      });
      assert.equal(post.status, 202);
      const location = post.headers.get('location')!;
      const nodes = [nodeA, nodeB, nodeA];
      for (let i = 0; i < 3; i++) {
        const chunk = body.subarray(cuts[i], cuts[i + 1]);
        const r = await fetch(`${nodes[i]}${location}`, {
          method: 'PATCH',
          headers: {
            authorization: auth,
            'content-type': 'application/octet-stream',
            'content-range': `${cuts[i]}-${cuts[i + 1] - 1}`,
          },
          body: chunk,
        });
        assert.equal(r.status, 202, await r.text());
        assert.equal(r.headers.get('range'), `0-${cuts[i + 1] - 1}`);
      }
      const status = await fetch(`${nodeB}${location}`, { headers: { authorization: auth } });
      assert.equal(status.headers.get('range'), `0-${body.length - 1}`, 'node B sees the size node A wrote');
      const put = await fetch(`${nodeB}${location}?digest=${sha(body)}`, {
        method: 'PUT',
        headers: { authorization: auth },
      });
      assert.equal(put.status, 201, await put.text());
      for (const node of [nodeA, nodeB]) {
        const got = await fetch(`${node}/v2/team/big/blobs/${sha(body)}`, { headers: { authorization: auth } });
        assert.equal(got.status, 200);
        assert.ok(Buffer.from(await got.arrayBuffer()).equals(body), `${node} serves the committed blob`);
      }

      // A monolithic upload streaming into node B has no session row; GC on node A must leave it alone.
      const slow = randomBytes(2 * MiB);
      const [host, port] = nodeB.slice('http://'.length).split(':');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const pushed = new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host,
            port: Number(port),
            method: 'POST',
            path: `/v2/team/slow/blobs/uploads/?digest=${sha(slow)}`,
            headers: { authorization: auth, 'content-length': String(slow.length) },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.write(slow.subarray(0, MiB));
        void gate.then(() => req.end(slow.subarray(MiB)));
      });
      let inFlight: string[] = [];
      for (let i = 0; i < 100 && inFlight.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        inFlight = azure
          ? await azure.blobNames('uploads/')
          : readdirSync(join(dataDir, 'uploads')).filter((n) => !n.endsWith('.lock'));
      }
      assert.equal(inFlight.length, 1, 'the in-flight upload exists in the store');
      const gc = await registryOf(a.platform)!.gc.run();
      assert.equal(gc.uploadsRemoved, 0, "GC on node A kept node B's live upload");
      release();
      assert.equal(await pushed, 201);
      const head = await fetch(`${nodeA}/v2/team/slow/blobs/${sha(slow)}`, {
        method: 'HEAD',
        headers: { authorization: auth },
      });
      assert.equal(head.status, 200);
    },
  );
}
