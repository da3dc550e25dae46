import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, SignJWT, exportJWK } from 'jose';
import { startRegistryHarness, pushBlob, pushImage, sha, type RegistryHarness } from './registry-harness.js';

let h: RegistryHarness;
let auth: string;
before(async () => {
  h = await startRegistryHarness();
  auth = `Bearer ${await h.token('repository:hostile:pull,push,delete')}`;
});
after(() => h.cleanup());

const code = async (r: Response) => ((await r.json()) as any).errors[0].code as string;
const storedBlobs = () => {
  const dir = join(h.ts.dataDir, 'blobs', 'sha256');
  return existsSync(dir) ? readdirSync(dir).flatMap((p) => readdirSync(join(dir, p))) : [];
};

function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let b = '';
      res.on('data', (c) => (b += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('digest mismatch is rejected and nothing is stored', async () => {
  const before = storedBlobs().length;
  const r = await h.fetch(`/v2/hostile/blobs/uploads/?digest=${sha('other content')}`, {
    auth,
    method: 'POST',
    body: Buffer.from('actual content'),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(r.status, 400);
  assert.equal(await code(r), 'DIGEST_INVALID');
  assert.equal((await h.fetch(`/v2/hostile/blobs/${sha('actual content')}`, { auth, method: 'HEAD' })).status, 404);
  assert.equal(storedBlobs().length, before);
  const loc = (await h.fetch('/v2/hostile/blobs/uploads/', { auth, method: 'POST' })).headers.get('location')!;
  const put = await h.fetch(`${loc}?digest=${sha('x')}`, {
    auth,
    method: 'PUT',
    body: Buffer.from('y'),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(put.status, 400);
  assert.equal(await code(put), 'DIGEST_INVALID');
  assert.equal((await h.fetch(loc, { auth })).status, 404, 'a failed commit invalidates the session');
  assert.equal(readdirSync(join(h.ts.dataDir, 'uploads')).length, 0);
  const badDigest = await h.fetch('/v2/hostile/blobs/uploads/?digest=sha256:nothex', {
    auth,
    method: 'POST',
    body: Buffer.from('z'),
    headers: { 'content-type': 'application/octet-stream' },
  });
  assert.equal(badDigest.status, 400);
  assert.equal(await code(badDigest), 'DIGEST_INVALID');
});

test('wrong Content-Range and bad Content-Length are rejected', async () => {
  const loc = (await h.fetch('/v2/hostile/blobs/uploads/', { auth, method: 'POST' })).headers.get('location')!;
  const r = await h.fetch(loc, {
    auth,
    method: 'PATCH',
    body: Buffer.from('abc'),
    headers: { 'content-range': '3-5', 'content-type': 'application/octet-stream' },
  });
  assert.equal(r.status, 416);
  const garbage = await h.fetch(loc, {
    auth,
    method: 'PATCH',
    body: Buffer.from('abc'),
    headers: { 'content-range': 'bytes=a-b', 'content-type': 'application/octet-stream' },
  });
  assert.equal(garbage.status, 416);
  const port = Number(h.loginServer.split(':')[1]);
  const neg = await rawRequest(
    port,
    'POST',
    `/v2/hostile/blobs/uploads/?digest=${sha('a')}`,
    { authorization: auth, 'content-length': '-1' },
    Buffer.from('a'),
  );
  assert.equal(neg.status, 400);
  const huge = await rawRequest(port, 'POST', `/v2/hostile/blobs/uploads/?digest=${sha('a')}`, {
    authorization: auth,
    'content-length': String(100 * 1024 ** 4),
  });
  assert.equal(huge.status, 400);
  assert.equal(JSON.parse(huge.body).errors[0].code, 'SIZE_INVALID');
  const mismatch = await rawRequest(
    port,
    'PATCH',
    loc,
    { authorization: auth, 'content-length': '2', 'content-range': '0-9' },
    Buffer.from('ab'),
  );
  assert.equal(mismatch.status, 400);
  assert.equal(await (await h.fetch(loc, { auth })).headers.get('range'), '0-0');
});

test('manifests referencing missing blobs, with wrong sizes, or invalid JSON are rejected', async () => {
  const layer = await pushBlob(h, 'hostile', Buffer.from('real layer'), auth);
  const cfg = await pushBlob(h, 'hostile', Buffer.from('{}'), auth);
  const manifest = (layers: unknown[]) =>
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg, size: 2 },
        layers,
      }),
    );
  const put = (body: Buffer, ref = 'bad') =>
    h.fetch(`/v2/hostile/manifests/${ref}`, {
      auth,
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    });
  const missing = await put(
    manifest([{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha('never pushed'), size: 12 }]),
  );
  assert.equal(missing.status, 404);
  assert.equal(await code(missing), 'MANIFEST_BLOB_UNKNOWN');
  const wrongSize = await put(
    manifest([{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 999 }]),
  );
  assert.equal(wrongSize.status, 400);
  assert.equal(await code(wrongSize), 'MANIFEST_INVALID');
  const notJson = await put(Buffer.from('{not json'));
  assert.equal(await code(notJson), 'MANIFEST_INVALID');
  const noSchema = await put(
    Buffer.from(JSON.stringify({ mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] })),
  );
  assert.equal(await code(noSchema), 'MANIFEST_INVALID');
  const good = manifest([{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer, size: 10 }]);
  const digestMismatch = await put(good, sha('different'));
  assert.equal(await code(digestMismatch), 'DIGEST_INVALID');
  assert.equal((await h.fetch('/v2/hostile/manifests/bad', { auth })).status, 404, 'nothing stored');
  assert.equal((await put(good)).status, 201);
});

test('repository names with .., uppercase or traversal are NAME_INVALID', async () => {
  const port = Number(h.loginServer.split(':')[1]);
  for (const name of ['a/../b', 'UPPER', 'a/%2e%2e/b', 'a//b', '-lead', 'a/.hidden', '../../etc']) {
    const r = await rawRequest(port, 'GET', `/v2/${name}/tags/list`, { authorization: auth });
    assert.equal(r.status, 400, name);
    assert.equal(JSON.parse(r.body).errors[0].code, 'NAME_INVALID', name);
  }
  // distribution-spec v1.1.1: a GET of a reference that is no valid tag is unknown (a PUT is TAG_INVALID).
  const t = await h.fetch('/v2/hostile/manifests/bad!tag', { auth });
  assert.equal(await code(t), 'MANIFEST_UNKNOWN');
});

test('tokens: expired, other key, alg none, other registry, pull token used to push', async () => {
  const loginServer = h.loginServer;
  const claims = () => ({
    access: [{ type: 'repository', name: 'hostile', actions: ['pull', 'push'] }],
    grant_type: 'access_token',
    dockyard: { objectId: 'x', tenantId: 't', type: 'User', displayName: 'x' },
  });
  const { privateKey } = await generateKeyPair('ES256');
  const foreign = await new SignJWT(claims())
    .setProtectedHeader({ alg: 'ES256' })
    .setSubject('x')
    .setIssuer('Azure Container Registry')
    .setAudience(loginServer)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('1h')
    .sign(privateKey);
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), sub: 'x', iss: 'Azure Container Registry', aud: loginServer, iat: now, nbf: now, exp: now + 3600 })}.`;
  for (const [what, tok] of [
    ['other key', foreign],
    ['alg none', none],
    ['garbage', 'abc.def.ghi'],
  ] as const) {
    const r = await h.fetch('/v2/hostile/tags/list', { auth: `Bearer ${tok}` });
    assert.equal(r.status, 401, what);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm=/, what);
  }
  // A token of this server's key but another registry (audience) is rejected.
  const other = await h.createRegistry('otherregistry');
  const q = new URLSearchParams({ service: other.loginServer, scope: 'repository:hostile:pull,push' });
  const otherTok = (
    (await (
      await fetch(`http://${other.loginServer}/oauth2/token?${q}`, { headers: { authorization: h.adminBasic } })
    ).json()) as any
  ).access_token;
  assert.equal((await h.fetch('/v2/hostile/tags/list', { auth: `Bearer ${otherTok}` })).status, 401);
  // Expired: sign with the registry's own service at a past time.
  const { TokenService } = await import('../../src/registry/index.js');
  const tokenJwk = await h.ts.platform.cluster.keys.ensure('registry.token-key', () => {
    throw new Error('the registry token key exists once the server runs');
  });
  const past = await TokenService.open(tokenJwk, () => Date.now() - 5 * 3600_000);
  const expired = await past.issueAccessToken(h.ts.platform.admin.principal, loginServer, [
    { type: 'repository', name: 'hostile', actions: ['pull'] },
  ]);
  assert.equal((await h.fetch('/v2/hostile/tags/list', { auth: `Bearer ${expired}` })).status, 401);
  const fresh = await past.issueAccessToken(h.ts.platform.admin.principal, loginServer, []);
  assert.ok(fresh);
  // Pull-only token cannot push.
  const pull = `Bearer ${await h.token('repository:hostile:pull')}`;
  const push = await h.fetch('/v2/hostile/blobs/uploads/', { auth: pull, method: 'POST' });
  assert.equal(push.status, 401);
  assert.match(push.headers.get('www-authenticate')!, /scope="repository:hostile:push",error="insufficient_scope"/);
  assert.equal((await h.fetch('/v2/hostile/tags/list', { auth: pull })).status, 200);
  // A refresh token is not an access token.
  const rt = (
    (await (
      await fetch(`${h.base}/oauth2/token?service=${loginServer}&offline_token=true`, {
        headers: { authorization: h.adminBasic },
      })
    ).json()) as any
  ).refresh_token;
  assert.equal((await h.fetch('/v2/hostile/tags/list', { auth: `Bearer ${rt}` })).status, 401);
  // Wrong basic credentials on the token endpoint.
  const bad = await fetch(`${h.base}/oauth2/token?service=${loginServer}`, {
    headers: { authorization: `Basic ${Buffer.from('someone:wrong').toString('base64')}` },
  });
  assert.equal(bad.status, 401);
  void exportJWK;
});

test('anonymous requests get ACR-style challenges', async () => {
  const v2 = await h.fetch('/v2/');
  assert.equal(v2.status, 401);
  assert.equal(
    v2.headers.get('www-authenticate'),
    `Bearer realm="http://${h.loginServer}/oauth2/token",service="${h.loginServer}"`,
  );
  const r = await h.fetch('/v2/hello-world/manifests/latest');
  assert.equal(
    r.headers.get('www-authenticate'),
    `Bearer realm="http://${h.loginServer}/oauth2/token",service="${h.loginServer}",scope="repository:hello-world:pull"`,
  );
  assert.deepEqual((await r.json()) as any, {
    errors: [
      {
        code: 'UNAUTHORIZED',
        message: 'authentication required, visit https://aka.ms/acr/authorization for more information.',
        detail: [{ Type: 'repository', Name: 'hello-world', Action: 'pull' }],
      },
    ],
  });
  await pushImage(h, 'hostile', 'x', auth);
});
