import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { decodeJwt } from '../../../src/identity/index.js';

let s: TestServer;
let uami: { id: string; principalId: string; clientId: string };
let other: { id: string; principalId: string; clientId: string };
before(async () => {
  s = await startTestServer();
  await s.api(`/subscriptions/${s.sub}/resourcegroups/myResourceGroup?api-version=2022-09-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  const mk = async (n: string) =>
    (
      await s.api(
        `/subscriptions/${s.sub}/resourcegroups/myResourceGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${n}?api-version=2023-01-31`,
        { method: 'PUT', body: {} },
      )
    ).json;
  uami = await mk('myACRTasksId');
  other = await mk('notMine');
});
after(async () => {
  await s.cleanup();
});

const msi = (query: string, headers: Record<string, string>) =>
  fetch(`${s.endpoint}/msi/token?${query}`, { headers }).then(async (r) => ({
    status: r.status,
    json: (await r.json()) as any,
  }));

test('the workload endpoint refuses requests without the header, without the secret, or with a wrong one', async () => {
  const q = 'api-version=2019-08-01&resource=https://management.azure.com/';
  const none = await msi(q, {});
  assert.equal(none.status, 400);
  assert.equal(none.json.error, 'bad_request_102');
  const metadataOnly = await msi(q, { Metadata: 'true' });
  assert.equal(metadataOnly.status, 401);
  const wrong = await msi(q, { 'X-IDENTITY-HEADER': 'guess' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error, 'unauthorized_client');
});

test('a bound workload gets tokens only for its identities; claims name the identity', async () => {
  const svc = s.platform.identity.identity;
  const { secret } = svc.createWorkloadBinding({
    identities: [uami.principalId],
    expiresAt: new Date(Date.now() + 60_000),
  });
  const ok = await msi(`api-version=2019-08-01&resource=${encodeURIComponent('https://vault.azure.net')}`, {
    'X-IDENTITY-HEADER': secret,
  });
  assert.equal(ok.status, 200);
  for (const k of ['access_token', 'expires_in', 'expires_on', 'not_before', 'resource', 'token_type', 'client_id'])
    assert.equal(typeof ok.json[k], 'string', k);
  assert.equal(ok.json.client_id, uami.clientId);
  const claims = decodeJwt(ok.json.access_token).claims;
  assert.equal(claims.oid, uami.principalId);
  assert.equal(claims.aud, 'https://vault.azure.net');
  assert.equal(claims.xms_mirid, uami.id);
  assert.equal(claims.xms_mi_kind, 'UserAssigned');
  // IMDS form: 2018-02-01 + Metadata: true + the secret
  const imds = await msi(
    `api-version=2018-02-01&resource=https://management.azure.com/&mi_res_id=${encodeURIComponent(uami.id)}`,
    { Metadata: 'true', 'X-IDENTITY-HEADER': secret },
  );
  assert.equal(imds.status, 200);
  const notMine = await msi(
    `api-version=2019-08-01&resource=https://management.azure.com/&client_id=${other.clientId}`,
    { 'X-IDENTITY-HEADER': secret },
  );
  assert.equal(notMine.status, 400);
  assert.equal(notMine.json.error, 'identity_not_found');
  const badRes = await msi('api-version=2019-08-01&resource=https://example.com/', { 'X-IDENTITY-HEADER': secret });
  assert.equal(badRes.json.error, 'invalid_resource');
  svc.revokeWorkloadBinding(secret);
  assert.equal(
    (await msi(`api-version=2019-08-01&resource=https://management.azure.com/`, { 'X-IDENTITY-HEADER': secret }))
      .status,
    401,
  );
});

test('trusted-service bindings mark tokens; system-assigned identities die with their resource', async () => {
  const svc = s.platform.identity.identity;
  const taskId = `/subscriptions/${s.sub}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/r1/tasks/t1`;
  const sys = await svc.createSystemAssignedIdentity(taskId);
  assert.equal((await svc.createSystemAssignedIdentity(taskId)).principalId, sys.principalId, 'idempotent');
  const { secret } = svc.createWorkloadBinding({
    identities: [sys.principalId],
    trustedService: 'tasks',
    expiresAt: new Date(Date.now() + 60_000),
  });
  const r = await msi('api-version=2019-08-01&resource=https://containerregistry.azure.net', {
    'X-IDENTITY-HEADER': secret,
  });
  assert.equal(r.status, 200);
  const claims = decodeJwt(r.json.access_token).claims;
  assert.equal(claims.xms_trusted_service, 'tasks');
  assert.equal(claims.xms_mi_kind, 'SystemAssigned');
  const p = await svc.verifyAccessToken(r.json.access_token, ['https://containerregistry.azure.net']);
  assert.equal(p.trustedService, 'tasks');
  assert.equal(p.identityKind, 'SystemAssigned');
  await assert.rejects(svc.verifyAccessToken(r.json.access_token, ['https://management.azure.com/']), /audience/);
  const direct = await svc.issueTokenForPrincipal(sys.principalId, 'https://management.azure.com/');
  await s.platform.identity.onResourceDeleted[0](
    `/subscriptions/${s.sub}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/r1`,
  );
  await assert.rejects(
    svc.verifyAccessToken(direct.accessToken, ['https://management.azure.com/']),
    /no longer exists/,
  );
});
