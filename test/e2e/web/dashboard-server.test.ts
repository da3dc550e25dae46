import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { DASHBOARD_DIST, isLoopback, resolveStatic } from '../../../src/web/index.js';
import { buildDashboard } from './browser.js';

// The server side of the dashboard: static files, the permissions query and the same-origin registry proxy.
let s: TestServer;
let registryId: string;
let loginServer: string;
let reader: { appId: string; password: string };

async function tokenFor(appId: string, secret: string, resource = 'https://management.azure.com/'): Promise<string> {
  const r = await fetch(`${s.endpoint}/${s.platform.tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: appId, client_secret: secret, resource }),
  });
  return ((await r.json()) as { access_token: string }).access_token;
}

before(async () => {
  await buildDashboard();
  s = await startTestServer();
  const cli = cliFor(s.dataDir);
  assert.equal((await cli('group', 'create', '--name', 'rg1', '--location', 'eastus')).code, 0);
  const c = await cli('acr', 'create', '-g', 'rg1', '-n', 'dashreg', '--sku', 'Premium');
  assert.equal(c.code, 0, c.stderr);
  ({ id: registryId, loginServer } = JSON.parse(c.stdout));
  reader = (await s.api('/dockyard/v1/servicePrincipals', { method: 'POST', body: { displayName: 'reader' } })).json;
  assert.equal(
    (await cli('role', 'assignment', 'create', '--assignee', reader.appId, '--scope', registryId, '--role', 'Reader'))
      .code,
    0,
  );
});
after(async () => {
  await s?.cleanup();
});

test('serves the built app under /dashboard/ with deep links, hashed assets and no path escape', async () => {
  const root = await fetch(`${s.endpoint}/`, { redirect: 'manual' });
  assert.equal(root.status, 302);
  assert.equal(root.headers.get('location'), '/dashboard/');
  for (const p of ['/dashboard/', '/dashboard', '/dashboard/rg/x/registries/y']) {
    const r = await fetch(`${s.endpoint}${p}`);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type')!, /^text\/html/);
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.match(
      r.headers.get('content-security-policy')!,
      /default-src 'self'.*connect-src 'self'.*frame-ancestors 'none'/,
    );
    assert.match(await r.text(), /<div id="app"><\/div>/);
  }
  const asset = readdirSync(join(DASHBOARD_DIST, 'assets')).find((f) => f.endsWith('.js'))!;
  const a = await fetch(`${s.endpoint}/dashboard/assets/${asset}`);
  assert.equal(a.status, 200);
  assert.match(a.headers.get('content-type')!, /^text\/javascript/);
  assert.match(a.headers.get('cache-control')!, /immutable/);
  assert.equal((await fetch(`${s.endpoint}/dashboard/assets/${asset.toUpperCase()}`)).status, 404);
  assert.equal((await fetch(`${s.endpoint}/dashboard/assets/nope.js`)).status, 404);
  assert.equal(resolveStatic('/srv/app', '../etc/passwd'), null);
  assert.equal(resolveStatic('/srv/app', '%2e%2e/%2e%2e/etc/passwd'), null);
  assert.equal(resolveStatic('/srv/app', 'assets/a.js'), '/srv/app/assets/a.js');
  const esc = await fetch(`${s.endpoint}/dashboard/%2e%2e/%2e%2e/package.json`);
  assert.doesNotMatch(await esc.text(), /"name": "dockyard"/);
});

test('permissions: answers for the caller only, from the same RBAC as the API', async () => {
  const q = `/dockyard/v1/permissions?scope=${encodeURIComponent(registryId)}`;
  const admin = await s.api(q);
  assert.equal(admin.status, 200);
  assert.equal(admin.json.allowed['Microsoft.ContainerRegistry/registries/scheduleRun/action'], true);
  assert.equal(admin.json.principal.objectId, s.platform.admin.principal.objectId);
  const tok = await tokenFor(reader.appId, reader.password);
  const r = await s.api(q, { headers: { authorization: `Bearer ${tok}` } });
  assert.equal(r.status, 200);
  assert.equal(r.json.allowed['Microsoft.ContainerRegistry/registries/read'], true);
  assert.equal(r.json.allowed['Microsoft.ContainerRegistry/registries/scheduleRun/action'], false);
  assert.equal(r.json.allowed['Microsoft.ContainerRegistry/registries/tasks/delete'], false);
  const custom = await s.api(`${q}&actions=Microsoft.ContainerRegistry/registries/write`, {
    headers: { authorization: `Bearer ${tok}` },
  });
  assert.deepEqual(custom.json.allowed, { 'Microsoft.ContainerRegistry/registries/write': false });
  // Outside the registry the Reader holds nothing.
  const sub = await s.api(
    `/dockyard/v1/permissions?scope=/subscriptions/${s.sub}&actions=Microsoft.ContainerRegistry/registries/read`,
    { headers: { authorization: `Bearer ${tok}` } },
  );
  assert.equal(sub.json.allowed['Microsoft.ContainerRegistry/registries/read'], false);
  const anon = await fetch(`${s.endpoint}${q}`);
  assert.equal(anon.status, 401);
  assert.equal((await s.api('/dockyard/v1/permissions?scope=not-a-scope')).status, 400);
});

test('registry proxy: the browser runs the registry token flow same-origin; nothing is added', async () => {
  const base = `${s.endpoint}/dashboard/registry/dashreg`;
  const tok = await tokenFor('00000000-0000-0000-0000-00000000ad01', s.platform.admin.key);
  const form = (o: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(o),
  });
  const ex = await fetch(
    `${base}/oauth2/exchange`,
    form({ grant_type: 'access_token', service: loginServer, access_token: tok }),
  );
  assert.equal(ex.status, 200);
  const { refresh_token } = (await ex.json()) as { refresh_token: string };
  const at = await fetch(
    `${base}/oauth2/token`,
    form({ grant_type: 'refresh_token', service: loginServer, scope: 'registry:catalog:*', refresh_token }),
  );
  assert.equal(at.status, 200);
  const { access_token } = (await at.json()) as { access_token: string };
  const cat = await fetch(`${base}/acr/v1/_catalog`, {
    headers: { 'x-registry-authorization': `Bearer ${access_token}` },
  });
  assert.equal(cat.status, 200, await cat.clone().text());
  assert.deepEqual(((await cat.json()) as { repositories: string[] }).repositories ?? [], []);
  // Without a registry token the registry itself answers 401 with its challenge.
  const noauth = await fetch(`${base}/acr/v1/_catalog`);
  assert.equal(noauth.status, 401);
  assert.match(noauth.headers.get('www-authenticate')!, /^Bearer realm=/);
  // A Reader's AAD token is exchanged, but the registry grants it only what RBAC allows.
  const rt = await tokenFor(reader.appId, reader.password);
  const rex = await fetch(
    `${base}/oauth2/exchange`,
    form({ grant_type: 'access_token', service: loginServer, access_token: rt }),
  );
  assert.equal(rex.status, 200);
  // Writes, blobs uploads and unknown registries are refused by the proxy.
  assert.equal((await fetch(`${base}/v2/x/blobs/uploads/`, { method: 'POST' })).status, 400);
  assert.equal((await fetch(`${base}/v2/x/manifests/latest`, { method: 'PUT', body: '{}' })).status, 404);
  assert.equal((await fetch(`${s.endpoint}/dashboard/registry/nosuch/v2/`)).status, 404);
  // Deletes only of a tag or a manifest by digest (the registry token decides the rest).
  assert.equal((await fetch(`${base}/v2/x/blobs/sha256:${'a'.repeat(64)}`, { method: 'DELETE' })).status, 400);
  assert.equal((await fetch(`${base}/v2/x/manifests/latest`, { method: 'DELETE' })).status, 400);
  assert.equal((await fetch(`${base}/acr/v1/x`, { method: 'DELETE' })).status, 400);
  assert.equal((await fetch(`${base}/acr/v1/x/_tags/v1`, { method: 'DELETE' })).status, 401);
  assert.equal((await fetch(`${base}/v2/x/manifests/sha256:${'a'.repeat(64)}`, { method: 'DELETE' })).status, 401);
  assert.equal((await fetch(`${base}/etc/passwd`)).status, 400);
  assert.equal(isLoopback('127.0.0.1'), true);
  assert.equal(isLoopback('::ffff:127.0.0.1'), true);
  assert.equal(isLoopback('10.0.0.1'), false);
  assert.equal(isLoopback(undefined), false);
});

test('vault permissions: the caller’s secret operations, by Key Vault’s own access policies', async () => {
  const cli = cliFor(s.dataDir);
  assert.equal((await cli('keyvault', 'create', '-g', 'rg1', '-n', 'permvault')).code, 0);
  const pol = await cli(
    'keyvault',
    'set-policy',
    '-n',
    'permvault',
    '--spn',
    reader.appId,
    '--secret-permissions',
    'list',
    'get',
  );
  assert.equal(pol.code, 0, pol.stderr);
  const admin = await s.api('/dockyard/v1/permissions/vault/permvault');
  assert.equal(admin.status, 200, admin.text);
  assert.deepEqual(admin.json.allowed, { get: true, list: true, set: true, delete: true });
  const tok = await tokenFor(reader.appId, reader.password);
  const r = await s.api('/dockyard/v1/permissions/vault/permvault', { headers: { authorization: `Bearer ${tok}` } });
  assert.deepEqual(r.json.allowed, { get: true, list: true, set: false, delete: false });
  assert.equal((await fetch(`${s.endpoint}/dockyard/v1/permissions/vault/permvault`)).status, 401);
  assert.equal((await s.api('/dockyard/v1/permissions/vault/no..pe')).status, 400);
});
