import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pushImage, startRegistryHarness, type RegistryHarness } from './registry-harness.js';

// Two points where distribution-spec v1.1.1's conformance suite expects more than v1.1.0 did.
let h: RegistryHarness;
before(async () => {
  h = await startRegistryHarness();
});
after(async () => h.cleanup());

test('GET/HEAD of a manifest reference that is not a valid tag is 404 MANIFEST_UNKNOWN; PUT keeps 400 TAG_INVALID', async () => {
  const token = await h.token('repository:ref/app:pull,push');
  const auth = `Bearer ${token}`;
  for (const method of ['GET', 'HEAD']) {
    const r = await h.fetch('/v2/ref/app/manifests/.not-a-tag', { method, auth });
    assert.equal(r.status, 404, method);
    if (method === 'GET')
      assert.equal(((await r.json()) as { errors: { code: string }[] }).errors[0].code, 'MANIFEST_UNKNOWN');
  }
  const put = await h.fetch('/v2/ref/app/manifests/.not-a-tag', {
    method: 'PUT',
    auth,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {},
      layers: [],
    }),
  });
  assert.equal(put.status, 400);
  assert.equal(((await put.json()) as { errors: { code: string }[] }).errors[0].code, 'TAG_INVALID');
});

test('the 401 challenge of a cross-repository mount names the source pull scope and the target push scope', async () => {
  const src = await pushImage(h, 'mount/src', 'v1', h.adminBasic);
  const layer = src.layerDigests[0];
  const r = await h.fetch(`/v2/mount/dst/blobs/uploads/?mount=${layer}&from=mount/src`, { method: 'POST' });
  assert.equal(r.status, 401);
  const challenge = r.headers.get('www-authenticate') ?? '';
  const scope = /scope="([^"]*)"/.exec(challenge)?.[1] ?? '';
  const scopes = scope.split(' ');
  assert.ok(scopes.includes('repository:mount/src:pull'), challenge);
  assert.ok(
    scopes.some((s) => s.startsWith('repository:mount/dst:') && s.includes('push')),
    challenge,
  );
  // A token-flow client asks for exactly those scopes and gets the mount (201), not an upload session (202).
  const q = new URLSearchParams({ service: h.loginServer });
  for (const s of scopes) q.append('scope', s);
  const tok = await fetch(`${h.base}/oauth2/token?${q}`, { headers: { authorization: h.adminBasic } });
  const token = ((await tok.json()) as { access_token: string }).access_token;
  const mounted = await h.fetch(`/v2/mount/dst/blobs/uploads/?mount=${layer}&from=mount/src`, {
    method: 'POST',
    auth: `Bearer ${token}`,
  });
  assert.equal(mounted.status, 201);
  assert.equal(mounted.headers.get('docker-content-digest'), layer);
});
