import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { assign, createSp, spToken } from '../identity/principals.js';
import { decodeJwt } from '../../../src/identity/index.js';

let s: TestServer;
let loginServer: string;
let regId: string;
const rg = () => `/subscriptions/${s.sub}/resourceGroups/acrrg`;

before(async () => {
  s = await startTestServer();
  await s.api(`${rg()}?api-version=2022-09-01`, { method: 'PUT', body: { location: 'eastus' } });
  const r = await s.api(`${rg()}/providers/Microsoft.ContainerRegistry/registries/rbacreg1?api-version=2025-04-01`, {
    method: 'PUT',
    body: { location: 'eastus', sku: { name: 'Basic' } },
  });
  loginServer = r.json.loginServer;
  regId = r.json.id;
});
after(async () => {
  await s.cleanup();
});

const form = (path: string, body: Record<string, string>) =>
  fetch(`http://${loginServer}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

/** AAD token -> ACR refresh token -> access token for `scope`; returns the token and the actions it grants. */
async function acrAccess(aad: string, scope: string): Promise<{ token: string; actions: string[] }> {
  const ex = await form('/oauth2/exchange', { grant_type: 'access_token', service: loginServer, access_token: aad });
  assert.equal(ex.status, 200, JSON.stringify(ex.json));
  const at = await form('/oauth2/token', {
    grant_type: 'refresh_token',
    service: loginServer,
    scope,
    refresh_token: ex.json.refresh_token,
  });
  assert.equal(at.status, 200, JSON.stringify(at.json));
  const access = (decodeJwt(at.json.access_token).claims.access as Array<{ actions: string[] }> | undefined) ?? [];
  return { token: at.json.access_token, actions: access.flatMap((a) => a.actions) };
}

async function pushImage(token: string, repo: string, tag: string): Promise<number> {
  const h = { authorization: `Bearer ${token}` };
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const start = await fetch(`http://${loginServer}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: h });
  if (start.status !== 202) return start.status;
  const loc = new URL(start.headers.get('location')!, `http://${loginServer}`);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, {
    method: 'PUT',
    headers: { ...h, 'content-type': 'application/octet-stream' },
    body: config,
  });
  if (put.status !== 201) return put.status;
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: config.length },
    layers: [],
  });
  const m = await fetch(`http://${loginServer}/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { ...h, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  return m.status;
}

test('AcrPush can push; without it no push (ACR error body); Reader on the group lists tags but cannot push', async () => {
  const pusher = await createSp(s, 'pusher');
  const reader = await createSp(s, 'reader');
  const nobody = await createSp(s, 'nobody');
  assert.equal((await assign(s, pusher.objectId, 'AcrPush', regId)).status, 201);
  assert.equal((await assign(s, reader.objectId, 'Reader', rg())).status, 201);

  const p = await acrAccess(await spToken(s, pusher), 'repository:app:pull,push,delete');
  assert.deepEqual(p.actions.sort(), ['pull', 'push']);
  assert.equal(await pushImage(p.token, 'app', 'v1'), 201);

  const r = await acrAccess(
    await spToken(s, reader, 'https://containerregistry.azure.net'),
    'repository:app:pull,push',
  );
  assert.deepEqual(r.actions, ['pull']);
  const tags = await fetch(`http://${loginServer}/v2/app/tags/list`, {
    headers: { authorization: `Bearer ${r.token}` },
  });
  assert.equal(tags.status, 200);
  assert.deepEqual(((await tags.json()) as any).tags, ['v1']);
  const denied = await fetch(`http://${loginServer}/v2/app/blobs/uploads/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${r.token}` },
  });
  assert.ok([401, 403].includes(denied.status));
  const body = (await denied.json()) as any;
  assert.ok(['UNAUTHORIZED', 'DENIED'].includes(body.errors[0].code));

  const n = await acrAccess(await spToken(s, nobody), 'repository:app:pull');
  assert.deepEqual(n.actions, []);
  assert.notEqual(await pushImage(n.token, 'app', 'v2'), 201);
});

test('exchange accepts ARM and ACR audiences only; service principals sign in with Basic credentials', async () => {
  const sp = await createSp(s, 'basic');
  await assign(s, sp.objectId, 'AcrPull', regId);
  const vaultToken = await spToken(s, sp, 'https://vault.azure.net');
  const ex = await form('/oauth2/exchange', {
    grant_type: 'access_token',
    service: loginServer,
    access_token: vaultToken,
  });
  assert.equal(ex.status, 401);
  const basic = Buffer.from(`${sp.appId}:${sp.password}`).toString('base64');
  const t = await fetch(`http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:app:pull,push`, {
    headers: { authorization: `Basic ${basic}` },
  });
  assert.equal(t.status, 200);
  const access = decodeJwt(((await t.json()) as any).access_token).claims.access as Array<{ actions: string[] }>;
  assert.deepEqual(
    access.flatMap((a) => a.actions),
    ['pull'],
  );
  const wrong = Buffer.from(`${sp.appId}:nope`).toString('base64');
  assert.equal(
    (
      await fetch(`http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:app:pull`, {
        headers: { authorization: `Basic ${wrong}` },
      })
    ).status,
    401,
  );
});

test('seed B: an identity with Reader on the group logs in inside a "container" and lists the tags', async () => {
  const { cliFor } = await import('../../helpers/cli.js');
  const ident = (
    await s.api(
      `${rg()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myACRTasksId?api-version=2023-01-31`,
      { method: 'PUT', body: {} },
    )
  ).json;
  const svc = s.platform.identity.identity;
  const { secret } = svc.createWorkloadBinding({
    identities: [ident.principalId],
    expiresAt: new Date(Date.now() + 60_000),
  });
  const cli = cliFor('/nonexistent', {
    ...svc.workloadEnvironment(secret, s.endpoint),
    DOCKYARD_CONFIG_DIR: `${s.dataDir}/step-home`,
    DOCKYARD_DATA_DIR: '/nonexistent',
  });
  const before = await cli('acr', 'repository', 'show-tags', '-n', 'rbacreg1', '--repository', 'app');
  assert.notEqual(before.code, 0, 'not logged in yet');
  assert.equal((await cli('login', '--identity')).code, 0);
  const noRole = await cli('acr', 'repository', 'show-tags', '-n', 'rbacreg1', '--repository', 'app');
  assert.notEqual(noRole.code, 0, 'no role yet: the registry is not even visible');
  assert.equal((await assign(s, ident.principalId, 'Reader', rg())).status, 201);
  const tags = await cli('acr', 'repository', 'show-tags', '-n', 'rbacreg1', '--repository', 'app');
  assert.equal(tags.code, 0, tags.stderr);
  assert.deepEqual(JSON.parse(tags.stdout), ['v1']);
});
