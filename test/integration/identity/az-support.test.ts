import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { createSp, spToken } from './principals.js';

// The server side of Azure CLI support (docs/designs/azure-cli.md) without az itself: the https listener, AD FS-style
// discovery, v1 token endpoint with `scope`, the Graph subset, the resources list, task PUT status.
let s: TestServer;
let work: string;
let ca: Buffer;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-az-support-'));
  const cert = join(work, 'cert.pem');
  const key = join(work, 'key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  ca = readFileSync(cert);
  s = await startTestServer({ tlsCert: cert, tlsKey: key, tlsPort: 0 });
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function tls(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${s.tlsEndpoint}${path}`,
      { method: init.method ?? 'GET', headers: init.headers, ca },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

test('the https listener serves the same API on loopback; discovery advertises https endpoints there', async () => {
  assert.match(s.tlsEndpoint!, /^https:\/\/127\.0\.0\.1:\d+$/);
  const d = await tls('/adfs/.well-known/openid-configuration');
  assert.equal(d.status, 200);
  assert.equal(d.json.token_endpoint, `${s.tlsEndpoint}/${s.platform.tenantId}/oauth2/token`);
  assert.equal(d.json.authorization_endpoint, `${s.tlsEndpoint}/${s.platform.tenantId}/oauth2/authorize`);
  const plain = await s.api(`/${s.platform.tenantId}/v2.0/.well-known/openid-configuration`, {
    headers: { authorization: '' },
  });
  assert.equal(plain.json.token_endpoint, `${s.endpoint}/${s.platform.tenantId}/oauth2/v2.0/token`);
  assert.equal((await tls(`/subscriptions/${s.sub}/resources?api-version=2021-04-01`)).status, 401);
});

test('v1 token endpoint takes a v2 scope (MSAL in AD FS mode) and answers with a numeric expires_in', async () => {
  const sp = await createSp(s, 'az-v1');
  const form = (extra: Record<string, string>) =>
    new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sp.appId,
      client_secret: sp.password,
      ...extra,
    }).toString();
  const r = await tls(`/${s.platform.tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ scope: 'https://management.core.windows.net//.default' }),
  });
  assert.equal(r.status, 200);
  assert.equal(typeof r.json.expires_in, 'number');
  const arm = await tls(`/subscriptions?api-version=2019-11-01`, {
    headers: { authorization: `Bearer ${r.json.access_token}` },
  });
  assert.equal(arm.status, 200);
  assert.equal(arm.json.value[0].subscriptionId, s.sub);
  const legacy = await tls(`/${s.platform.tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ resource: 'https://management.azure.com/' }),
  });
  assert.equal(typeof legacy.json.expires_in, 'string');
});

test('Graph subset: needs a Graph-audience token; resolves service principals and object ids', async () => {
  const sp = await createSp(s, 'az-graph');
  const graphToken = await spToken(s, sp, `${s.tlsEndpoint}/graph/`);
  const armToken = await spToken(s, sp);
  const filter = encodeURIComponent(`servicePrincipalNames/any(c:c eq '${sp.appId}')`);
  assert.equal(
    (await tls(`/graph/v1.0/servicePrincipals?$filter=${filter}`, { headers: { authorization: `Bearer ${armToken}` } }))
      .status,
    401,
  );
  assert.equal((await tls(`/graph/v1.0/servicePrincipals?$filter=${filter}`)).status, 401);
  const found = await tls(`/graph/v1.0/servicePrincipals?$filter=${filter}`, {
    headers: { authorization: `Bearer ${graphToken}` },
  });
  assert.equal(found.status, 200);
  assert.deepEqual(
    found.json.value.map((v: { id: string }) => v.id),
    [sp.objectId],
  );
  const none = await tls(
    `/graph/v1.0/servicePrincipals?$filter=${encodeURIComponent("servicePrincipalNames/any(c:c eq '00000000-0000-0000-0000-000000000001')")}`,
    { headers: { authorization: `Bearer ${graphToken}` } },
  );
  assert.deepEqual(none.json.value, []);
  const byIds = await tls('/graph/v1.0/directoryObjects/getByIds', {
    method: 'POST',
    headers: { authorization: `Bearer ${graphToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ids: [sp.objectId, 'nope'] }),
  });
  assert.equal(byIds.json.value.length, 1);
  assert.equal(byIds.json.value[0]['@odata.type'], '#microsoft.graph.servicePrincipal');
  // a Graph token is not an ARM token
  assert.equal(
    (await tls(`/subscriptions?api-version=2019-11-01`, { headers: { authorization: `Bearer ${graphToken}` } })).status,
    401,
  );
});

test('resources list finds a registry by type and name (any group case); task PUT answers 200 on creation', async () => {
  assert.equal(
    (
      await s.api(`/subscriptions/${s.sub}/resourcegroups/rgAz?api-version=2021-04-01`, {
        method: 'PUT',
        body: { location: 'eastus' },
      })
    ).status,
    201,
  );
  assert.equal(
    (
      await s.api(
        `/subscriptions/${s.sub}/resourcegroups/rgAz/providers/Microsoft.ContainerRegistry/registries/azlookup?api-version=2022-02-01-preview`,
        { method: 'PUT', body: { location: 'eastus', sku: { name: 'Basic' } } },
      )
    ).status,
    201,
  );
  const type = encodeURIComponent("resourceType eq 'Microsoft.ContainerRegistry/registries'");
  const list = await s.api(`/subscriptions/${s.sub}/resources?$filter=${type}&api-version=2021-04-01`);
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.json.value.map((r: { name: string }) => r.name),
    ['azlookup'],
  );
  const byName = await s.api(
    `/subscriptions/${s.sub}/resources?$filter=${encodeURIComponent("name eq 'nothere'")}&api-version=2021-04-01`,
  );
  assert.deepEqual(byName.json.value, []);
  const anon = await fetch(`${s.endpoint}/subscriptions/${s.sub}/resources?api-version=2021-04-01`);
  assert.equal(anon.status, 401);

  const put = await s.api(
    `/subscriptions/${s.sub}/resourceGroups/rgaz/providers/Microsoft.ContainerRegistry/registries/azlookup/tasks/aztask?api-version=2019-06-01-preview`,
    {
      method: 'PUT',
      body: {
        location: 'eastus',
        properties: {
          platform: { os: 'linux' },
          step: {
            type: 'EncodedTask',
            encodedTaskContent: Buffer.from('steps:\n  - cmd: hello-world\n').toString('base64'),
          },
        },
      },
    },
  );
  assert.equal(put.status, 200, put.text);
  assert.equal(put.json.name, 'aztask');
});
