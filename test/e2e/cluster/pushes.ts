import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { imageManifest, locationPath, registryRequest, sha, withDigest, type RegistryTarget } from './registry-http.js';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export interface PushedImage {
  repo: string;
  manifest: Buffer;
  blobs: Buffer[];
}

/** Pulls an image back (manifest by tag and by digest, every blob) through `via`, byte for byte. */
export async function pullBack(via: RegistryTarget, img: PushedImage, tag: string): Promise<void> {
  for (const ref of [tag, sha(img.manifest)]) {
    const m = await registryRequest(via, 'GET', `/v2/${img.repo}/manifests/${ref}`, undefined, {
      accept: MANIFEST_TYPE,
    });
    assert.equal(m.status, 200, `manifest ${ref} via ${via.address}: ${m.body.toString()}`);
    assert.ok(m.body.equals(img.manifest));
  }
  for (const b of img.blobs) {
    const got = await registryRequest(via, 'GET', `/v2/${img.repo}/blobs/${sha(b)}`);
    assert.equal(got.status, 200, `blob via ${via.address}`);
    assert.ok(got.body.equals(b), `blob ${sha(b)} byte for byte via ${via.address}`);
  }
}

/**
 * Every request of one push on alternating nodes: the config blob monolithically on node A; the layer's upload opened
 * on B, its first chunk PATCHed on A, the second on B, committed on A; the manifest through the balancer.
 */
export async function alternatingPush(
  a: RegistryTarget,
  b: RegistryTarget,
  balancer: RegistryTarget,
): Promise<PushedImage> {
  const repo = 'alternating/app';
  const config = Buffer.from(
    `{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"n":"${randomBytes(4).toString('hex')}"}`,
  );
  const layer = randomBytes(3 * 1024 * 1024 + 123);
  const mono = await registryRequest(a, 'POST', `/v2/${repo}/blobs/uploads/?digest=${sha(config)}`, config, {
    'content-type': 'application/octet-stream',
  });
  assert.equal(mono.status, 201, mono.body.toString());
  const open = await registryRequest(b, 'POST', `/v2/${repo}/blobs/uploads/`);
  assert.equal(open.status, 202, open.body.toString());
  let loc = locationPath(open);
  const half = 2 * 1024 * 1024;
  const parts: Array<[RegistryTarget, Buffer, number]> = [
    [a, layer.subarray(0, half), 0],
    [b, layer.subarray(half), half],
  ];
  for (const [node, part, start] of parts) {
    const p = await registryRequest(node, 'PATCH', loc, part, {
      'content-type': 'application/octet-stream',
      'content-range': `${start}-${start + part.length - 1}`,
    });
    assert.equal(p.status, 202, `PATCH on ${node.address}: ${p.body.toString()}`);
    assert.equal(p.headers.range, `0-${start + part.length - 1}`);
    loc = locationPath(p);
  }
  const put = await registryRequest(a, 'PUT', withDigest(loc, sha(layer)));
  assert.equal(put.status, 201, put.body.toString());
  const manifest = imageManifest(config, [layer]);
  const m = await registryRequest(balancer, 'PUT', `/v2/${repo}/manifests/v1`, manifest, {
    'content-type': MANIFEST_TYPE,
  });
  assert.equal(m.status, 201, m.body.toString());
  const img = { repo, manifest, blobs: [config, layer] };
  for (const via of [a, b, balancer]) await pullBack(via, img, 'v1');
  return img;
}

/**
 * A chunked push on the victim node; the node is SIGKILLed after the first chunk. The client retries through the
 * balancer: the upload's state (database row + staged blocks in the blob store) survived, so it resumes at the
 * reported offset and completes; the earlier image is intact.
 */
export async function pushAcrossNodeKill(o: {
  victim: RegistryTarget;
  balancer: RegistryTarget;
  kill: () => Promise<void>;
  committed: PushedImage;
}): Promise<void> {
  const repo = 'killed/app';
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"k":1}');
  const layer = randomBytes(4 * 1024 * 1024 + 7);
  const first = 1024 * 1024;
  const open = await registryRequest(o.victim, 'POST', `/v2/${repo}/blobs/uploads/`);
  assert.equal(open.status, 202);
  const p1 = await registryRequest(o.victim, 'PATCH', locationPath(open), layer.subarray(0, first), {
    'content-type': 'application/octet-stream',
    'content-range': `0-${first - 1}`,
  });
  assert.equal(p1.status, 202);
  const loc = locationPath(p1);
  await o.kill();
  // The client's next request to that node fails: it retries through the balancer.
  await assert.rejects(registryRequest(o.victim, 'GET', loc));
  const status = await registryRequest(o.balancer, 'GET', loc);
  assert.equal(status.status, 204, status.body.toString());
  assert.equal(status.headers.range, `0-${first - 1}`, 'the chunk committed before the kill is there');
  const p2 = await registryRequest(o.balancer, 'PATCH', locationPath(status), layer.subarray(first), {
    'content-type': 'application/octet-stream',
    'content-range': `${first}-${layer.length - 1}`,
  });
  assert.equal(p2.status, 202, p2.body.toString());
  const put = await registryRequest(o.balancer, 'PUT', withDigest(locationPath(p2), sha(layer)));
  assert.equal(put.status, 201, put.body.toString());
  const mono = await registryRequest(o.balancer, 'POST', `/v2/${repo}/blobs/uploads/?digest=${sha(config)}`, config, {
    'content-type': 'application/octet-stream',
  });
  assert.equal(mono.status, 201);
  const manifest = imageManifest(config, [layer]);
  const m = await registryRequest(o.balancer, 'PUT', `/v2/${repo}/manifests/v1`, manifest, {
    'content-type': MANIFEST_TYPE,
  });
  assert.equal(m.status, 201, m.body.toString());
  await pullBack(o.balancer, { repo, manifest, blobs: [config, layer] }, 'v1');
  await pullBack(o.balancer, o.committed, 'v1');
}
