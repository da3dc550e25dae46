import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.cleanup();
});

const RV = 'api-version=2022-09-01';
const REGV = 'api-version=2025-04-01';
const IDV = 'api-version=2023-01-31';

test('resource group create, show (case-insensitive), list, delete', async () => {
  const put = await s.api(`/subscriptions/${s.sub}/resourcegroups/Rg1?${RV}`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  assert.equal(put.status, 201);
  assert.equal(put.json.id, `/subscriptions/${s.sub}/resourceGroups/Rg1`);
  assert.equal(put.json.properties.provisioningState, 'Succeeded');
  const again = await s.api(`/subscriptions/${s.sub}/resourcegroups/Rg1?${RV}`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  assert.equal(again.status, 200);
  const show = await s.api(`/subscriptions/${s.sub}/resourceGroups/rg1?${RV}`);
  assert.equal(show.status, 200);
  assert.equal(show.json.name, 'Rg1');
  const list = await s.api(`/subscriptions/${s.sub}/resourcegroups?${RV}`);
  assert.ok(list.json.value.some((g: any) => g.name === 'Rg1'));
  const del = await s.api(`/subscriptions/${s.sub}/resourcegroups/rg1?${RV}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  const gone = await s.api(`/subscriptions/${s.sub}/resourcegroups/rg1?${RV}`);
  assert.equal(gone.status, 404);
  assert.equal(gone.json.error.code, 'ResourceGroupNotFound');
});

test('resource group in another location is refused; bad names are InvalidResourceName', async () => {
  await s.api(`/subscriptions/${s.sub}/resourcegroups/locked?${RV}`, { method: 'PUT', body: { location: 'eastus' } });
  const moved = await s.api(`/subscriptions/${s.sub}/resourcegroups/locked?${RV}`, {
    method: 'PUT',
    body: { location: 'westus' },
  });
  assert.equal(moved.status, 409);
  assert.equal(moved.json.error.code, 'InvalidResourceGroupLocation');
  const bad = await s.api(`/subscriptions/${s.sub}/resourcegroups/bad%24name?${RV}`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'InvalidResourceName');
  const dot = await s.api(`/subscriptions/${s.sub}/resourcegroups/ends.?${RV}`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  assert.equal(dot.json.error.code, 'InvalidResourceName');
});

test('api-version is required and must be known', async () => {
  const missing = await s.api(`/subscriptions/${s.sub}/resourcegroups/x`);
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.code, 'MissingApiVersionParameter');
  const unknown = await s.api(`/subscriptions/${s.sub}/resourcegroups/x?api-version=1999-01-01`);
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.error.code, 'InvalidApiVersionParameter');
});

test('malformed JSON body is InvalidRequestContent', async () => {
  const r = await s.api(`/subscriptions/${s.sub}/resourcegroups/x?${RV}`, {
    method: 'PUT',
    body: '{"location": ',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'InvalidRequestContent');
  const arr = await s.api(`/subscriptions/${s.sub}/resourcegroups/x?${RV}`, { method: 'PUT', body: [1, 2] });
  assert.equal(arr.json.error.code, 'InvalidRequestContent');
});

test('registry create, name rules, global uniqueness, update, delete', async () => {
  await s.api(`/subscriptions/${s.sub}/resourcegroups/regs?${RV}`, { method: 'PUT', body: { location: 'westeurope' } });
  const base = `/subscriptions/${s.sub}/resourceGroups/regs/providers/Microsoft.ContainerRegistry/registries`;
  const created = await s.api(`${base}/myRegistry1?${REGV}`, { method: 'PUT', body: { sku: { name: 'Premium' } } });
  assert.equal(created.status, 201);
  const r = created.json;
  assert.equal(r.name, 'myRegistry1');
  assert.equal(r.location, 'westeurope');
  assert.equal(r.sku.name, 'Premium');
  assert.equal(r.adminUserEnabled, false);
  assert.equal(r.publicNetworkAccess, 'Enabled');
  assert.equal(r.networkRuleBypassOptions, 'AzureServices');
  assert.deepEqual(r.networkRuleSet, { defaultAction: 'Allow', ipRules: [] });
  assert.match(r.loginServer, /^127\.0\.0\.1:\d+$/);
  assert.equal(r.provisioningState, 'Succeeded');
  assert.ok(!Number.isNaN(Date.parse(r.creationDate)));

  const short = await s.api(`${base}/abcd?${REGV}`, { method: 'PUT', body: { sku: { name: 'Basic' } } });
  assert.equal(short.json.error.code, 'InvalidResourceName');
  const dash = await s.api(`${base}/my-registry?${REGV}`, { method: 'PUT', body: { sku: { name: 'Basic' } } });
  assert.equal(dash.json.error.code, 'InvalidResourceName');

  await s.api(`/subscriptions/${s.sub}/resourcegroups/other?${RV}`, { method: 'PUT', body: { location: 'eastus' } });
  const dup = await s.api(
    `/subscriptions/${s.sub}/resourceGroups/other/providers/Microsoft.ContainerRegistry/registries/MYREGISTRY1?${REGV}`,
    { method: 'PUT', body: { sku: { name: 'Basic' } } },
  );
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.code, 'AlreadyInUse');

  const noGroup = await s.api(
    `/subscriptions/${s.sub}/resourceGroups/nogroup/providers/Microsoft.ContainerRegistry/registries/fresh12345?${REGV}`,
    { method: 'PUT', body: { sku: { name: 'Basic' } } },
  );
  assert.equal(noGroup.json.error.code, 'ResourceGroupNotFound');

  const patched = await s.api(`${base}/myregistry1?${REGV}`, {
    method: 'PATCH',
    body: {
      properties: {
        publicNetworkAccess: 'Disabled',
        networkRuleBypassOptions: 'None',
        networkRuleSet: { defaultAction: 'Deny', ipRules: [{ action: 'Allow', ipAddressOrRange: '127.0.0.2' }] },
      },
    },
  });
  assert.equal(patched.status, 200);
  assert.equal(patched.json.publicNetworkAccess, 'Disabled');
  assert.equal(patched.json.networkRuleBypassOptions, 'None');
  assert.deepEqual(patched.json.networkRuleSet.ipRules, [{ action: 'Allow', ipAddressOrRange: '127.0.0.2' }]);

  const badIp = await s.api(`${base}/myregistry1?${REGV}`, {
    method: 'PATCH',
    body: { properties: { networkRuleSet: { defaultAction: 'Deny', ipRules: [{ ipAddressOrRange: '300.1.1.1' }] } } },
  });
  assert.equal(badIp.json.error.code, 'InvalidParameter');
  const tooMany = Array.from({ length: 201 }, (_, i) => ({
    ipAddressOrRange: `10.0.${Math.floor(i / 250)}.${i % 250}`,
  }));
  const quota = await s.api(`${base}/myregistry1?${REGV}`, {
    method: 'PATCH',
    body: { properties: { networkRuleSet: { defaultAction: 'Deny', ipRules: tooMany } } },
  });
  assert.equal(quota.json.error.code, 'QuotaExceeded');

  const del = await s.api(`${base}/myregistry1?${REGV}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  const gone = await s.api(`${base}/myregistry1?${REGV}`);
  assert.equal(gone.json.error.code, 'ResourceNotFound');
});

test('user-assigned identities have principal, client and tenant ids', async () => {
  await s.api(`/subscriptions/${s.sub}/resourcegroups/ids?${RV}`, { method: 'PUT', body: { location: 'eastus' } });
  const base = `/subscriptions/${s.sub}/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities`;
  const c = await s.api(`${base}/myACRTasksId?${IDV}`, { method: 'PUT', body: { location: 'eastus' } });
  assert.equal(c.status, 201);
  assert.match(c.json.principalId, /^[0-9a-f-]{36}$/);
  assert.match(c.json.clientId, /^[0-9a-f-]{36}$/);
  assert.notEqual(c.json.principalId, c.json.clientId);
  assert.equal(c.json.tenantId, s.platform.tenantId);
  assert.equal(c.json.type, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const show = await s.api(`${base}/myacrtasksid?${IDV}`);
  assert.equal(show.json.principalId, c.json.principalId);
  const bad = await s.api(`${base}/x?${IDV}`, { method: 'PUT', body: { location: 'eastus' } });
  assert.equal(bad.json.error.code, 'InvalidResourceName');
});

test('requests without credentials are refused with AuthenticationFailed', async () => {
  const r = await s.api(`/subscriptions/${s.sub}/resourcegroups/anon?${RV}`, {
    method: 'PUT',
    body: { location: 'eastus' },
    headers: { authorization: '' },
  });
  assert.equal(r.status, 401);
  assert.equal(r.json.error.code, 'AuthenticationFailed');
  const wrong = await s.api(`/subscriptions/${s.sub}/resourcegroups/anon?${RV}`, {
    method: 'PUT',
    body: { location: 'eastus' },
    headers: { authorization: 'DockyardKey not-the-key' },
  });
  assert.equal(wrong.status, 401);
  const subs = await s.api(`/subscriptions?${RV}`, { headers: { authorization: '' } });
  assert.equal(subs.status, 401);
  assert.equal((await s.api(`/subscriptions?${RV}`)).json.value[0].subscriptionId, s.sub);
});
