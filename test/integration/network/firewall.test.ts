import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { decodeJwt, LOCAL_ADMIN_OBJECT_ID, RESOURCES } from '../../../src/identity/index.js';
import { basic, deniedBody, formBody, from, pushTiny } from './client.js';

let s: TestServer;
let loginServer: string;
let regPath: string;
let regId: string;
let admin: string;
const SPOOF = { 'x-forwarded-for': '127.0.0.2', 'x-real-ip': '127.0.0.2', forwarded: 'for=127.0.0.2' };

before(async () => {
  s = await startTestServer();
  const rg = `/subscriptions/${s.sub}/resourceGroups/netrg`;
  await s.api(`${rg}?api-version=2022-09-01`, { method: 'PUT', body: { location: 'eastus' } });
  regPath = `${rg}/providers/Microsoft.ContainerRegistry/registries/netreg1`;
  const r = await s.api(`${regPath}?api-version=2025-04-01`, {
    method: 'PUT',
    body: { location: 'eastus', sku: { name: 'Premium' } },
  });
  loginServer = r.json.loginServer;
  regId = r.json.id;
  admin = basic(LOCAL_ADMIN_OBJECT_ID, s.platform.admin.key);
  assert.equal(await pushTiny('127.0.0.1', loginServer, admin, 'base', '1'), 201);
});
after(async () => {
  await s.cleanup();
});

async function setNetwork(properties: Record<string, unknown>): Promise<void> {
  const r = await s.api(`${regPath}?api-version=2025-04-01`, { method: 'PATCH', body: { properties } });
  assert.equal(r.status, 200, r.text);
}

const v2 = (ip: string, headers: Record<string, string> = {}) => from(ip, `http://${loginServer}/v2/`, { headers });
const manifest = (ip: string, headers: Record<string, string> = {}) =>
  from(ip, `http://${loginServer}/v2/base/manifests/1`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json', ...headers },
  });

async function identityToken(
  kind: 'SystemAssigned' | 'UserAssigned',
  trustedService: 'tasks' | 'import' | undefined,
  name: string,
): Promise<{ aad: string; objectId: string }> {
  const { identity, rbac } = s.platform.identity;
  const mi = await identity.createManagedIdentity({
    resourceId: `/subscriptions/${s.sub}/resourceGroups/netrg/providers/Test/things/${name}`,
    displayName: name,
    kind,
  });
  await rbac.ensureAssignment(regId, 'AcrPull', mi.principalId, 'ServicePrincipal');
  const t = await identity.issueTokenForPrincipal(
    mi.principalId,
    RESOURCES.containerRegistry,
    trustedService ? { trustedService } : {},
  );
  return { aad: t.accessToken, objectId: mi.principalId };
}

async function exchange(ip: string, aad: string) {
  return from(
    ip,
    `http://${loginServer}/oauth2/exchange`,
    formBody({ grant_type: 'access_token', service: loginServer, access_token: aad }),
  );
}
async function accessToken(ip: string, refresh: string) {
  return from(
    ip,
    `http://${loginServer}/oauth2/token`,
    formBody({
      grant_type: 'refresh_token',
      service: loginServer,
      scope: 'repository:base:pull',
      refresh_token: refresh,
    }),
  );
}

test('default action Deny with an IP rule: only that address gets in; spoofing headers change nothing', async () => {
  await setNetwork({
    networkRuleSet: { defaultAction: 'Deny', ipRules: [{ action: 'Allow', value: '127.0.0.2/32' }] },
  });
  assert.equal((await v2('127.0.0.2', { authorization: admin })).status, 200);
  assert.equal((await manifest('127.0.0.2', { authorization: admin })).status, 200);
  for (const headers of [{ authorization: admin }, { authorization: admin, ...SPOOF }]) {
    const r = await manifest('127.0.0.3', headers);
    assert.equal(r.status, 403);
    assert.deepEqual(r.json, deniedBody('127.0.0.3'));
    assert.equal((await v2('127.0.0.3', headers)).status, 403);
  }
  // The allowed client stays allowed whatever it claims to forward for.
  assert.equal((await manifest('127.0.0.2', { authorization: admin, 'x-forwarded-for': '127.0.0.3' })).status, 200);
  // Anonymous: /v2/ still challenges (so trusted services can find the realm), the rest is DENIED.
  const challenge = await v2('127.0.0.3');
  assert.equal(challenge.status, 401);
  assert.match(String(challenge.headers['www-authenticate']), /realm="http:\/\/.*\/oauth2\/token"/);
  assert.deepEqual((await manifest('127.0.0.3')).json, deniedBody('127.0.0.3'));
  assert.deepEqual((await from('127.0.0.3', `http://${loginServer}/v2/_catalog`)).json, deniedBody('127.0.0.3'));
  // Token endpoint: wrong or right credentials from a blocked address are DENIED alike (nothing learnt).
  const bad = await from(
    '127.0.0.3',
    `http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:base:pull`,
    { headers: { authorization: basic(LOCAL_ADMIN_OBJECT_ID, 'wrong') } },
  );
  assert.deepEqual(bad.json, deniedBody('127.0.0.3'));
  const good = await from(
    '127.0.0.3',
    `http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:base:pull`,
    { headers: { authorization: admin, ...SPOOF } },
  );
  assert.deepEqual(good.json, deniedBody('127.0.0.3'));
  assert.equal(
    (
      await from('127.0.0.2', `http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:base:pull`, {
        headers: { authorization: admin },
      })
    ).status,
    200,
  );
});

test('a trusted task with a system-assigned identity bypasses; user-assigned never; flags survive the registry tokens', async () => {
  await setNetwork({
    publicNetworkAccess: 'Disabled',
    networkRuleBypassOptions: 'AzureServices',
    networkRuleSet: { defaultAction: 'Deny', ipRules: [{ action: 'Allow', value: '127.0.0.2' }] },
  });
  // Public access disabled overrides the IP rule.
  assert.deepEqual((await manifest('127.0.0.2', { authorization: admin })).json, deniedBody('127.0.0.2'));

  const sys = await identityToken('SystemAssigned', 'tasks', 'sys-task');
  const ex = await exchange('127.0.0.4', sys.aad);
  assert.equal(ex.status, 200, JSON.stringify(ex.json));
  const claims = decodeJwt(ex.json.refresh_token).claims.dockyard as Record<string, unknown>;
  assert.equal(claims.identityKind, 'SystemAssigned');
  assert.equal(claims.trustedService, 'tasks');
  const at = await accessToken('127.0.0.4', ex.json.refresh_token);
  assert.equal(at.status, 200, JSON.stringify(at.json));
  assert.equal((decodeJwt(at.json.access_token).claims.dockyard as Record<string, unknown>).trustedService, 'tasks');
  assert.equal((await manifest('127.0.0.4', { authorization: `Bearer ${at.json.access_token}` })).status, 200);
  // docker's flow: Basic <null guid>:<refresh token> at the realm.
  const viaBasic = await from(
    '127.0.0.4',
    `http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:base:pull`,
    { headers: { authorization: basic('00000000-0000-0000-0000-000000000000', ex.json.refresh_token) } },
  );
  assert.equal(viaBasic.status, 200);
  // Still needs its role: a missing manifest is a normal 404, not hidden.
  assert.equal(
    (
      await from('127.0.0.4', `http://${loginServer}/v2/base/manifests/nope`, {
        headers: { authorization: `Bearer ${at.json.access_token}` },
      })
    ).json.errors[0].code,
    'MANIFEST_UNKNOWN',
  );

  const ua = await identityToken('UserAssigned', 'tasks', 'ua-task');
  assert.deepEqual((await exchange('127.0.0.4', ua.aad)).json, deniedBody('127.0.0.4'));
  const untrusted = await identityToken('SystemAssigned', undefined, 'sys-plain');
  assert.deepEqual((await exchange('127.0.0.4', untrusted.aad)).json, deniedBody('127.0.0.4'));
  const imp = await identityToken('SystemAssigned', 'import', 'sys-import');
  assert.equal((await exchange('127.0.0.4', imp.aad)).status, 200);

  // Trusted services off: the same identity, and tokens it already holds, are blocked on the next request.
  await setNetwork({ networkRuleBypassOptions: 'None' });
  assert.deepEqual((await exchange('127.0.0.4', sys.aad)).json, deniedBody('127.0.0.4'));
  assert.deepEqual(
    (await manifest('127.0.0.4', { authorization: `Bearer ${at.json.access_token}` })).json,
    deniedBody('127.0.0.4'),
  );
  // networkRuleBypassAllowedForTasks lets tasks (only) back in.
  await setNetwork({ networkRuleBypassAllowedForTasks: true });
  assert.equal((await manifest('127.0.0.4', { authorization: `Bearer ${at.json.access_token}` })).status, 200);
  assert.deepEqual((await exchange('127.0.0.4', imp.aad)).json, deniedBody('127.0.0.4'));
  assert.deepEqual((await exchange('127.0.0.4', ua.aad)).json, deniedBody('127.0.0.4'));

  await setNetwork({
    publicNetworkAccess: 'Enabled',
    networkRuleBypassOptions: 'AzureServices',
    networkRuleBypassAllowedForTasks: false,
    networkRuleSet: { defaultAction: 'Allow', ipRules: [] },
  });
  assert.equal((await manifest('127.0.0.5', { authorization: admin })).status, 200);
  assert.equal((await exchange('127.0.0.5', ua.aad)).status, 200);
});
