import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { signJwt, decodeJwt } from '../../../src/identity/index.js';
import { createSp, spToken } from './principals.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.cleanup();
});

const RV = 'api-version=2022-09-01';
const armGet = (token: string) =>
  fetch(`${s.endpoint}/subscriptions/${s.sub}/resourcegroups?${RV}`, { headers: { authorization: `Bearer ${token}` } });

test('OIDC discovery and JWKS describe the tenant', async () => {
  const d = await s.api(`/${s.platform.tenantId}/v2.0/.well-known/openid-configuration`, {
    headers: { authorization: '' },
  });
  assert.equal(d.status, 200);
  assert.equal(d.json.issuer, `${s.endpoint}/${s.platform.tenantId}/v2.0`);
  assert.equal(d.json.token_endpoint, `${s.endpoint}/${s.platform.tenantId}/oauth2/v2.0/token`);
  const jwks = (await (await fetch(d.json.jwks_uri)).json()) as any;
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].kty, 'RSA');
  assert.ok(jwks.keys[0].kid && jwks.keys[0].n && jwks.keys[0].e);
  const other = await s.api(`/00000000-1111-2222-3333-444444444444/v2.0/.well-known/openid-configuration`);
  assert.equal(other.status, 400);
});

test('client credentials (v2 scope= and v1 resource=) give JWTs with the expected claims', async () => {
  const sp = await createSp(s, 'claims-sp');
  const token = await spToken(s, sp);
  const { header, claims } = decodeJwt(token);
  assert.equal(header.alg, 'RS256');
  assert.equal(claims.aud, 'https://management.azure.com/');
  assert.equal(claims.iss, `${s.endpoint}/${s.platform.tenantId}/v2.0`);
  assert.equal(claims.oid, sp.objectId);
  assert.equal(claims.appid, sp.appId);
  assert.equal(claims.tid, s.platform.tenantId);
  assert.ok(Number(claims.exp) > Number(claims.iat) && Number(claims.nbf) <= Number(claims.iat));
  const v1 = await fetch(`${s.endpoint}/${s.platform.tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sp.appId,
      client_secret: sp.password,
      resource: 'https://vault.azure.net',
    }).toString(),
  });
  const j = (await v1.json()) as any;
  assert.equal(v1.status, 200);
  assert.equal(j.resource, 'https://vault.azure.net');
  assert.equal(typeof j.expires_on, 'string');
  const bad = await fetch(`${s.endpoint}/${s.platform.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sp.appId,
      client_secret: 'wrong',
      scope: 'https://management.azure.com/.default',
    }).toString(),
  });
  assert.equal(bad.status, 401);
  assert.equal(((await bad.json()) as any).error, 'invalid_client');
});

test('a valid management token authenticates ARM calls; RBAC then decides (no role -> 403)', async () => {
  const sp = await createSp(s, 'norole');
  const res = await fetch(`${s.endpoint}/subscriptions/${s.sub}/resourcegroups/x?${RV}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await spToken(s, sp)}`, 'content-type': 'application/json' },
    body: '{"location":"eastus"}',
  });
  assert.equal(res.status, 403);
  const j = (await res.json()) as any;
  assert.equal(j.error.code, 'AuthorizationFailed');
  assert.match(j.error.message, new RegExp(sp.objectId));
});

test('forged, alg:none, expired, wrong-issuer, wrong-tenant and wrong-audience tokens are rejected', async () => {
  const sp = await createSp(s, 'forge');
  const good = await spToken(s, sp);
  const { header, claims } = decodeJwt(good);
  const now = Math.floor(Date.now() / 1000);
  const realKey = s.platform.identity.identity.keys.active;
  const { privateKey: evil } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const cases: Record<string, string> = {
    forged: signJwt(claims, { kid: String(header.kid), privateKey: evil }),
    algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
    algNoneWithKid: `${b64({ alg: 'none', typ: 'JWT', kid: header.kid })}.${b64(claims)}.`,
    tampered: `${good.split('.')[0]}.${b64({ ...claims, oid: '00000000-0000-0000-0000-00000000ad01' })}.${good.split('.')[2]}`,
    expired: signJwt({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, realKey),
    wrongIssuer: signJwt({ ...claims, iss: 'https://login.microsoftonline.com/evil/v2.0' }, realKey),
    wrongTenant: signJwt({ ...claims, tid: '99999999-9999-9999-9999-999999999999' }, realKey),
    wrongAudience: await spToken(s, sp, 'https://vault.azure.net'),
    garbage: 'not.a.jwt',
  };
  for (const [name, token] of Object.entries(cases)) {
    const res = await armGet(token);
    assert.equal(res.status, 401, `${name} must be rejected`);
    const j = (await res.json()) as any;
    assert.match(j.error.code, name === 'expired' ? /ExpiredAuthenticationToken/ : /InvalidAuthenticationToken/, name);
  }
  const ok = await armGet(good);
  assert.equal(ok.status, 200, 'the genuine token still works');
});

test('key rotation: old tokens verify until the old key is retired; JWKS lists both', async () => {
  const sp = await createSp(s, 'rotate');
  const before = await spToken(s, sp);
  const keys = s.platform.identity.identity.keys;
  const oldKid = keys.active.kid;
  const newKid = await keys.rotate();
  assert.notEqual(newKid, oldKid);
  const jwks = (await (await fetch(`${s.endpoint}/${s.platform.tenantId}/discovery/v2.0/keys`)).json()) as any;
  assert.deepEqual(jwks.keys.map((k: any) => k.kid).sort(), [oldKid, newKid].sort());
  const after = await spToken(s, sp);
  assert.equal(decodeJwt(after).header.kid, newKid);
  assert.equal((await armGet(before)).status, 200);
  assert.ok(await keys.retire(oldKid));
  assert.equal((await armGet(before)).status, 401);
  assert.equal((await armGet(after)).status, 200);
});

test('the local admin logs in with its key as a client secret and is Owner of the subscription', async () => {
  const res = await fetch(`${s.endpoint}/${s.platform.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: '00000000-0000-0000-0000-00000000ad01',
      client_secret: s.platform.admin.key,
      scope: 'https://management.azure.com/.default',
    }).toString(),
  });
  const { access_token } = (await res.json()) as any;
  const put = await fetch(`${s.endpoint}/subscriptions/${s.sub}/resourcegroups/adminrg?${RV}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
    body: '{"location":"eastus"}',
  });
  assert.equal(put.status, 201);
  const list = await s.api(
    `/subscriptions/${s.sub}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent("principalId eq '00000000-0000-0000-0000-00000000ad01'")}`,
  );
  assert.equal(list.status, 200);
  assert.ok(
    list.json.value.some(
      (a: any) =>
        a.properties.roleDefinitionId.endsWith('8e3af657-a8ff-443c-a75c-2fe8c4bcb635') &&
        a.properties.scope === `/subscriptions/${s.sub}`,
    ),
  );
});
