import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistryHarness, pushBlob, pushImage, sha, type RegistryHarness } from './registry-harness.js';

// Conformance areas of the OCI distribution spec v1.1: pull, push, content discovery, content management.
let h: RegistryHarness;
let auth: string;
before(async () => {
  h = await startRegistryHarness();
  auth = `Bearer ${await h.token('repository:conf/app:pull,push,delete', 'repository:conf/other:pull,push,delete', 'registry:catalog:*')}`;
});
after(() => h.cleanup());

test('pull: manifests and blobs by tag and digest, HEAD, Range', async () => {
  const layer = Buffer.from('0123456789abcdef');
  const img = await pushImage(h, 'conf/app', 'pull1', auth, [layer]);
  for (const ref of ['pull1', img.digest]) {
    const r = await h.fetch(`/v2/conf/app/manifests/${ref}`, { auth });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('docker-content-digest'), img.digest);
    assert.equal(r.headers.get('content-type'), 'application/vnd.oci.image.manifest.v1+json');
    assert.ok(Buffer.from(await r.arrayBuffer()).equals(img.body));
    const head = await h.fetch(`/v2/conf/app/manifests/${ref}`, { auth, method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(img.body.length));
  }
  const blob = await h.fetch(`/v2/conf/app/blobs/${img.layerDigests[0]}`, { auth });
  assert.equal(blob.status, 200);
  assert.ok(Buffer.from(await blob.arrayBuffer()).equals(layer));
  const head = await h.fetch(`/v2/conf/app/blobs/${img.layerDigests[0]}`, { auth, method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '16');
  const ranged = await h.fetch(`/v2/conf/app/blobs/${img.layerDigests[0]}`, { auth, headers: { range: 'bytes=2-5' } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), 'bytes 2-5/16');
  assert.equal(await ranged.text(), '2345');
  const bad = await h.fetch(`/v2/conf/app/blobs/${img.layerDigests[0]}`, { auth, headers: { range: 'bytes=20-30' } });
  assert.equal(bad.status, 416);
  const missing = await h.fetch(`/v2/conf/app/manifests/nope`, { auth });
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as any).errors[0].code, 'MANIFEST_UNKNOWN');
  const missingBlob = await h.fetch(`/v2/conf/app/blobs/${sha('absent')}`, { auth });
  assert.equal(missingBlob.status, 404);
  assert.equal(((await missingBlob.json()) as any).errors[0].code, 'BLOB_UNKNOWN');
});

test('push: POST+PUT, chunked PATCH with Content-Range, status GET, cancel, mount', async () => {
  const data = Buffer.from('hello chunked world!');
  const digest = sha(data);
  const post = await h.fetch('/v2/conf/app/blobs/uploads/', { auth, method: 'POST' });
  assert.equal(post.status, 202);
  const loc = post.headers.get('location')!;
  assert.ok(post.headers.get('docker-upload-uuid'));
  const p1 = await h.fetch(loc, {
    auth,
    method: 'PATCH',
    body: data.subarray(0, 10),
    headers: { 'content-range': '0-9', 'content-type': 'application/octet-stream' },
  });
  assert.equal(p1.status, 202);
  assert.equal(p1.headers.get('range'), '0-9');
  const wrong = await h.fetch(loc, {
    auth,
    method: 'PATCH',
    body: data.subarray(10),
    headers: { 'content-range': '5-14', 'content-type': 'application/octet-stream' },
  });
  assert.equal(wrong.status, 416);
  const status = await h.fetch(loc, { auth });
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), '0-9');
  const p2 = await h.fetch(loc, {
    auth,
    method: 'PATCH',
    body: data.subarray(10),
    headers: { 'content-range': `10-${data.length - 1}`, 'content-type': 'application/octet-stream' },
  });
  assert.equal(p2.status, 202);
  const put = await h.fetch(`${loc}?digest=${digest}`, { auth, method: 'PUT' });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('location'), `/v2/conf/app/blobs/${digest}`);
  assert.equal(await (await h.fetch(`/v2/conf/app/blobs/${digest}`, { auth })).text(), data.toString());
  // monolithic PUT after POST
  const d2 = Buffer.from('monolithic put');
  const loc2 = (await h.fetch('/v2/conf/app/blobs/uploads/', { auth, method: 'POST' })).headers.get('location')!;
  const put2 = await h.fetch(`${loc2}?digest=${sha(d2)}`, {
    auth,
    method: 'PUT',
    body: d2,
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(put2.status, 201);
  // cancel
  const loc3 = (await h.fetch('/v2/conf/app/blobs/uploads/', { auth, method: 'POST' })).headers.get('location')!;
  assert.equal((await h.fetch(loc3, { auth, method: 'DELETE' })).status, 204);
  const gone = await h.fetch(loc3, { auth });
  assert.equal(gone.status, 404);
  assert.equal(((await gone.json()) as any).errors[0].code, 'BLOB_UPLOAD_UNKNOWN');
  // cross-repository mount
  const mount = await h.fetch(`/v2/conf/other/blobs/uploads/?mount=${digest}&from=conf/app`, { auth, method: 'POST' });
  assert.equal(mount.status, 201);
  assert.equal((await h.fetch(`/v2/conf/other/blobs/${digest}`, { auth, method: 'HEAD' })).status, 200);
  // mount of an unknown blob falls back to an upload session
  const noMount = await h.fetch(`/v2/conf/other/blobs/uploads/?mount=${sha('zzz')}&from=conf/app`, {
    auth,
    method: 'POST',
  });
  assert.equal(noMount.status, 202);
});

test('content discovery: tags list with n/last + Link, catalog pagination, referrers with artifactType filter', async () => {
  for (const t of ['a', 'b', 'c', 'd']) await pushImage(h, 'conf/other', t, auth);
  const all: any = await (await h.fetch('/v2/conf/other/tags/list', { auth })).json();
  assert.deepEqual(all.tags, ['a', 'b', 'c', 'd']);
  const p1 = await h.fetch('/v2/conf/other/tags/list?n=2', { auth });
  assert.deepEqual(((await p1.json()) as any).tags, ['a', 'b']);
  assert.equal(p1.headers.get('link'), '</v2/conf/other/tags/list?n=2&last=b>; rel="next"');
  const p2 = await h.fetch('/v2/conf/other/tags/list?n=2&last=b', { auth });
  assert.deepEqual(((await p2.json()) as any).tags, ['c', 'd']);
  assert.equal(p2.headers.get('link'), null);
  assert.equal((await h.fetch('/v2/conf/other/tags/list?n=-1', { auth })).status, 400);
  const cat = await h.fetch('/v2/_catalog?n=1', { auth });
  assert.deepEqual(((await cat.json()) as any).repositories, ['conf/app']);
  assert.ok(cat.headers.get('link')?.includes('last=conf%2Fapp'));
  const subject = await pushImage(h, 'conf/app', 'subject', auth, [Buffer.from('subject-layer')]);
  const empty = await pushBlob(h, 'conf/app', Buffer.from('{}'), auth);
  const refManifest = (artifactType: string) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType,
        config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.empty.v1+json', digest: empty, size: 2 }],
        subject: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: subject.digest,
          size: subject.body.length,
        },
      }),
    );
  const sig = refManifest('application/vnd.example.signature');
  const put = await h.fetch(`/v2/conf/app/manifests/${sha(sig)}`, {
    auth,
    method: 'PUT',
    body: sig,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('oci-subject'), subject.digest);
  const sbom = refManifest('application/vnd.example.sbom');
  await h.fetch(`/v2/conf/app/manifests/${sha(sbom)}`, {
    auth,
    method: 'PUT',
    body: sbom,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  const refs = await h.fetch(`/v2/conf/app/referrers/${subject.digest}`, { auth });
  assert.equal(refs.status, 200);
  assert.equal(refs.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
  const idx = (await refs.json()) as any;
  assert.equal(idx.manifests.length, 2);
  const filtered = await h.fetch(`/v2/conf/app/referrers/${subject.digest}?artifactType=application/vnd.example.sbom`, {
    auth,
  });
  assert.equal(filtered.headers.get('oci-filters-applied'), 'artifactType');
  const fj = (await filtered.json()) as any;
  assert.deepEqual(
    fj.manifests.map((m: any) => m.digest),
    [sha(sbom)],
  );
  assert.equal(fj.manifests[0].artifactType, 'application/vnd.example.sbom');
  const none: any = await (await h.fetch(`/v2/conf/app/referrers/${sha('nothing')}`, { auth })).json();
  assert.deepEqual(none.manifests, []);
});

test('content management: delete tag, manifest, blob; events written in the same transaction', async () => {
  const img = await pushImage(h, 'conf/app', 'del1', auth, [Buffer.from('to delete')]);
  await h.fetch(`/v2/conf/app/manifests/del2`, {
    auth,
    method: 'PUT',
    body: img.body,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal((await h.fetch('/v2/conf/app/manifests/del2', { auth, method: 'DELETE' })).status, 202);
  assert.equal((await h.fetch('/v2/conf/app/manifests/del2', { auth })).status, 404);
  assert.equal((await h.fetch('/v2/conf/app/manifests/del1', { auth })).status, 200);
  assert.equal((await h.fetch(`/v2/conf/app/manifests/${img.digest}`, { auth, method: 'DELETE' })).status, 202);
  assert.equal((await h.fetch('/v2/conf/app/manifests/del1', { auth })).status, 404);
  assert.equal((await h.fetch(`/v2/conf/app/manifests/${img.digest}`, { auth, method: 'DELETE' })).status, 404);
  assert.equal((await h.fetch(`/v2/conf/app/blobs/${img.layerDigests[0]}`, { auth, method: 'DELETE' })).status, 202);
  assert.equal((await h.fetch(`/v2/conf/app/blobs/${img.layerDigests[0]}`, { auth, method: 'HEAD' })).status, 404);
  const events = await h.ts.platform.db
    .selectFrom('outbox')
    .selectAll()
    .where('type', 'in', ['image.pushed', 'image.deleted'])
    .execute();
  const pushed = events.filter((e: any) => e.type === 'image.pushed').map((e: any) => JSON.parse(e.payload));
  const deleted = events.filter((e: any) => e.type === 'image.deleted').map((e: any) => JSON.parse(e.payload));
  assert.ok(
    pushed.some(
      (p) =>
        p.tag === 'del1' &&
        p.digest === img.digest &&
        p.repository === 'conf/app' &&
        p.registry === h.name &&
        p.loginServer === h.loginServer &&
        p.mediaType,
    ),
  );
  assert.ok(deleted.some((p) => p.tag === 'del2' && p.digest === img.digest));
  assert.ok(deleted.some((p) => p.tag === 'del1' && p.digest === img.digest));
});

test('docker v2 schema 2 manifests and manifest lists are accepted', async () => {
  const img = await pushImage(h, 'conf/app', 'docker', auth, [Buffer.from('docker layer')]);
  const m = JSON.parse(img.body.toString());
  m.mediaType = 'application/vnd.docker.distribution.manifest.v2+json';
  m.config.mediaType = 'application/vnd.docker.container.image.v1+json';
  const body = Buffer.from(JSON.stringify(m));
  const r = await h.fetch('/v2/conf/app/manifests/docker2', {
    auth,
    method: 'PUT',
    body,
    headers: { 'content-type': m.mediaType },
  });
  assert.equal(r.status, 201);
  const list = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
      manifests: [
        {
          mediaType: m.mediaType,
          digest: sha(body),
          size: body.length,
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    }),
  );
  const lr = await h.fetch('/v2/conf/app/manifests/list', {
    auth,
    method: 'PUT',
    body: list,
    headers: { 'content-type': 'application/vnd.docker.distribution.manifest.list.v2+json' },
  });
  assert.equal(lr.status, 201);
  assert.equal(
    (await h.fetch('/v2/conf/app/manifests/list', { auth })).headers.get('content-type'),
    'application/vnd.docker.distribution.manifest.list.v2+json',
  );
});
