import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { LOCAL_ADMIN_OBJECT_ID } from '../../src/identity/index.js';
import { basic, deniedBody, from, pushTiny } from '../integration/network/client.js';

// Issue 12 item 4: the dashboard's registry proxy connected from 127.0.0.1, so a browser the registry's network rules
// block got through it. The proxy now relays the browser's address and the registry's own rules judge it.
let s: TestServer;
let regPath: string;
let loginServer: string;
let admin: string;

before(async () => {
  s = await startTestServer();
  const rg = `/subscriptions/${s.sub}/resourceGroups/proxyrg`;
  await s.api(`${rg}?api-version=2022-09-01`, { method: 'PUT', body: { location: 'eastus' } });
  regPath = `${rg}/providers/Microsoft.ContainerRegistry/registries/proxyreg`;
  const r = await s.api(`${regPath}?api-version=2025-04-01`, {
    method: 'PUT',
    body: { location: 'eastus', sku: { name: 'Premium' } },
  });
  loginServer = r.json.loginServer;
  admin = basic(LOCAL_ADMIN_OBJECT_ID, s.platform.admin.key);
  assert.equal(await pushTiny('127.0.0.1', loginServer, admin, 'app', '1'), 201);
});
after(async () => {
  await s?.cleanup();
});

async function setNetwork(properties: Record<string, unknown>): Promise<void> {
  const r = await s.api(`${regPath}?api-version=2025-04-01`, { method: 'PATCH', body: { properties } });
  assert.equal(r.status, 200, r.text);
}

/** A registry call through the dashboard proxy, from a chosen loopback address, with the admin's registry credentials. */
const viaProxy = (ip: string, path: string, headers: Record<string, string> = {}) =>
  from(ip, `${s.endpoint}/dashboard/registry/proxyreg${path}`, {
    headers: { 'x-registry-authorization': admin, ...headers },
  });

test('Deny + a rule for 127.0.0.1: 127.0.0.2 is refused through the proxy as on the registry port; 127.0.0.1 still gets in', async () => {
  await setNetwork({
    publicNetworkAccess: 'Enabled',
    networkRuleSet: { defaultAction: 'Deny', ipRules: [{ action: 'Allow', value: '127.0.0.1' }] },
  });
  const direct = await from('127.0.0.2', `http://${loginServer}/v2/_catalog`, { headers: { authorization: admin } });
  assert.equal(direct.status, 403);
  const proxied = await viaProxy('127.0.0.2', '/v2/_catalog');
  assert.equal(proxied.status, 403, JSON.stringify(proxied.json));
  assert.deepEqual(proxied.json, deniedBody('127.0.0.2'));
  // Anonymous, with forged forwarding headers, or with a forged relay header: still refused.
  assert.equal((await from('127.0.0.2', `${s.endpoint}/dashboard/registry/proxyreg/v2/_catalog`)).status, 403);
  const spoof = {
    'x-forwarded-for': '127.0.0.1',
    'x-real-ip': '127.0.0.1',
    'x-dockyard-relayed-client': '127.0.0.1;AAAA',
  };
  assert.equal((await viaProxy('127.0.0.2', '/v2/_catalog', spoof)).status, 403);
  assert.equal(
    (await viaProxy('127.0.0.2', '/v2/app/manifests/1', { accept: 'application/vnd.oci.image.manifest.v1+json' }))
      .status,
    403,
  );
  // The relay header sent straight to the registry port proves nothing either.
  assert.equal(
    (await from('127.0.0.2', `http://${loginServer}/v2/_catalog`, { headers: { authorization: admin, ...spoof } }))
      .status,
    403,
  );

  const allowed = await viaProxy('127.0.0.1', '/v2/_catalog');
  assert.equal(allowed.status, 200, JSON.stringify(allowed.json));
  assert.deepEqual(allowed.json.repositories, ['app']);
});

test('a rule for the browser address admits it through the proxy even though the proxy itself connects from 127.0.0.1', async () => {
  await setNetwork({
    publicNetworkAccess: 'Enabled',
    networkRuleSet: { defaultAction: 'Deny', ipRules: [{ action: 'Allow', value: '127.0.0.2' }] },
  });
  assert.equal((await viaProxy('127.0.0.2', '/v2/_catalog')).status, 200);
  assert.equal((await viaProxy('127.0.0.1', '/v2/_catalog')).status, 403);
});

test('public network access disabled: no access through the proxy from any address', async () => {
  await setNetwork({
    publicNetworkAccess: 'Disabled',
    networkRuleSet: { defaultAction: 'Deny', ipRules: [{ action: 'Allow', value: '127.0.0.1' }] },
  });
  for (const ip of ['127.0.0.1', '127.0.0.2']) {
    const r = await viaProxy(ip, '/v2/_catalog');
    assert.equal(r.status, 403, `${ip}: ${JSON.stringify(r.json)}`);
    assert.deepEqual(r.json, deniedBody(ip));
  }
  // Back to open: the proxy serves again.
  await setNetwork({ publicNetworkAccess: 'Enabled', networkRuleSet: { defaultAction: 'Allow', ipRules: [] } });
  assert.equal((await viaProxy('127.0.0.2', '/v2/_catalog')).status, 200);
});
