import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistryHarness, pushBlob, pushImage, sha } from '../../conformance/registry-harness.js';
import { RegistryMetadata } from '../../../src/registry/metadata.js';
import { RegistryLocks } from '../../../src/registry/locks.js';
import { READ_CACHE_TTL_MS } from '../../../src/registry/read-cache.js';

const MT = 'application/vnd.oci.image.manifest.v1+json';

test(
  'hot reads: a moved or deleted tag, a deleted manifest or blob, a read lock and a deleted repository apply to the next GET',
  { timeout: 60_000 },
  async (t) => {
    const h = await startRegistryHarness({ name: 'hotreg' });
    t.after(() => h.cleanup());
    const admin = h.adminBasic;
    const v1 = await pushImage(h, 'app/web', 'v1', admin, [Buffer.from('one')]);
    const auth = `Bearer ${await h.token('repository:app/web:pull,push,delete')}`;
    const get = (path: string) => h.fetch(path, { auth, headers: { accept: MT } });
    const status = async (path: string) => (await get(path)).status;
    const digestOf = async (path: string) => {
      const r = await get(path);
      assert.equal(r.status, 200, path);
      await r.arrayBuffer();
      return r.headers.get('docker-content-digest');
    };

    // Warm: every read below is served from the hot reads at least once before the write.
    for (let i = 0; i < 3; i++) {
      assert.equal(await digestOf('/v2/app/web/manifests/v1'), v1.digest);
      assert.equal(await digestOf(`/v2/app/web/manifests/${v1.digest}`), v1.digest);
      assert.equal(await status(`/v2/app/web/blobs/${v1.layerDigests[0]}`), 200);
    }

    // The tag moves: the next GET serves the new manifest.
    const v2 = await pushImage(h, 'app/web', 'v1', admin, [Buffer.from('two')]);
    assert.notEqual(v2.digest, v1.digest);
    assert.equal(await digestOf('/v2/app/web/manifests/v1'), v2.digest);

    // Tag delete: the tag is gone at once, the manifest stays by digest.
    assert.equal((await h.fetch('/v2/app/web/manifests/v1', { method: 'DELETE', auth })).status, 202);
    assert.equal(await status('/v2/app/web/manifests/v1'), 404);
    assert.equal(await digestOf(`/v2/app/web/manifests/${v2.digest}`), v2.digest);

    // Manifest delete by digest: gone at once (it was served a moment ago).
    assert.equal((await h.fetch(`/v2/app/web/manifests/${v1.digest}`, { method: 'DELETE', auth })).status, 202);
    assert.equal(await status(`/v2/app/web/manifests/${v1.digest}`), 404);

    // Blob delete (unlink): 404 at once, though its bytes are still cached in memory.
    const layer = v1.layerDigests[0];
    assert.equal((await h.fetch(`/v2/app/web/blobs/${layer}`, { method: 'DELETE', auth })).status, 202);
    assert.equal(await status(`/v2/app/web/blobs/${layer}`), 404);
    // Pushed again: served at once (misses are never cached).
    assert.equal(await pushBlob(h, 'app/web', Buffer.from('one'), admin), layer);
    assert.equal(await status(`/v2/app/web/blobs/${layer}`), 200);

    // A read lock on the repository refuses the next pull of manifests and blobs; lifting it allows the next one.
    const lock = (readEnabled: boolean) =>
      h.fetch('/acr/v1/app/web', {
        method: 'PATCH',
        auth: admin,
        body: JSON.stringify({ readEnabled }),
        headers: { 'content-type': 'application/json' },
      });
    assert.equal((await lock(false)).status, 200);
    assert.equal(await status(`/v2/app/web/manifests/${v2.digest}`), 405);
    assert.equal(await status(`/v2/app/web/blobs/${layer}`), 405);
    assert.equal((await lock(true)).status, 200);
    assert.equal(await status(`/v2/app/web/manifests/${v2.digest}`), 200);

    // Repository delete: every read of it is 404 at once.
    assert.equal((await h.fetch('/acr/v1/app/web', { method: 'DELETE', auth: admin })).status, 202);
    assert.equal(await status(`/v2/app/web/manifests/${v2.digest}`), 404);
    assert.equal(await status(`/v2/app/web/blobs/${layer}`), 404);
    assert.equal(await status(`/v2/app/web/blobs/${v2.layerDigests[0]}`), 404);
  },
);

test(
  'hot reads: a write through another API node (same database, its own caches) is seen within the 500 ms window',
  { timeout: 60_000 },
  async (t) => {
    const h = await startRegistryHarness({ name: 'hotnodes' });
    t.after(() => h.cleanup());
    const admin = h.adminBasic;
    const img = await pushImage(h, 'app/api', 'v1', admin, [Buffer.from('layer')]);
    const auth = `Bearer ${await h.token('repository:app/api:pull')}`;
    const status = async (path: string) => {
      const r = await h.fetch(path, { auth, headers: { accept: MT } });
      await r.arrayBuffer();
      return r.status;
    };
    // "Another node": the same database through metadata and lock objects that are not this server's.
    const other = new RegistryMetadata(h.ts.platform.db);
    const otherLocks = new RegistryLocks(h.ts.platform.db);
    const ctx = { registry: 'hotnodes', loginServer: h.loginServer };
    /** Milliseconds until `path` answers `want` (polling), failing after twice the window. */
    const until = async (path: string, want: number) => {
      const t0 = Date.now();
      while ((await status(path)) !== want) {
        assert.ok(Date.now() - t0 < 2 * READ_CACHE_TTL_MS + 500, `${path} still not ${want}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return Date.now() - t0;
    };

    assert.equal(await status('/v2/app/api/manifests/v1'), 200);
    assert.ok(await otherLocks.set('hotnodes', 'app/api', 'repository', '', { readEnabled: false }));
    const lockSeen = await until('/v2/app/api/manifests/v1', 405);
    await otherLocks.set('hotnodes', 'app/api', 'repository', '', { readEnabled: true });
    await until('/v2/app/api/manifests/v1', 200);

    assert.equal(await other.deleteTag(ctx, 'app/api', 'v1'), true);
    const tagSeen = await until('/v2/app/api/manifests/v1', 404);

    assert.equal(await status(`/v2/app/api/blobs/${img.layerDigests[0]}`), 200);
    assert.equal(await other.unlinkBlob('hotnodes', 'app/api', img.layerDigests[0]), true);
    const blobSeen = await until(`/v2/app/api/blobs/${img.layerDigests[0]}`, 404);
    assert.equal(await status(`/v2/app/api/blobs/${sha('never pushed')}`), 404);
    t.diagnostic(`seen after: lock ${lockSeen} ms, tag ${tagSeen} ms, blob ${blobSeen} ms`);
  },
);
