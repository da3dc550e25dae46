import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { LOCAL_ADMIN_OBJECT_ID } from '../../../src/identity/index.js';
import { assign, createSp, spToken } from '../identity/principals.js';

let s: TestServer;
let cli: ReturnType<typeof cliFor>;
before(async () => {
  s = await startTestServer();
  cli = cliFor(s.dataDir);
});
after(async () => {
  await s.cleanup();
});

const ok = async (p: Promise<{ code: number; stdout: string; stderr: string }>) => {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
};
const kv = (path: string, token: string | null, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${s.endpoint}/keyvault/mykeyvault/secrets${path}${path.includes('?') ? '&' : '?'}api-version=7.4`, {
    method: init.method ?? 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
    body: init.body ? JSON.stringify(init.body) : undefined,
  }).then(async (r) => ({ status: r.status, json: (await r.json()) as any, headers: r.headers }));

test('seed flow: vault create, secret set, identity policy; task-style reads; Forbidden names identity and secret', async () => {
  await ok(cli('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus'));
  const created = JSON.parse(
    await ok(
      cli('keyvault', 'create', '--name', 'mykeyvault', '--resource-group', 'myResourceGroup', '--location', 'eastus'),
    ),
  );
  assert.equal(created.properties.vaultUri, 'https://mykeyvault.vault.azure.net/');
  assert.equal(created.properties.enableRbacAuthorization, false);
  const set = JSON.parse(
    await ok(
      cli(
        'keyvault',
        'secret',
        'set',
        '--name',
        'SampleSecret',
        '--value',
        'Hello ACR Tasks!',
        '--description',
        'ACRTasksecret',
        '--vault-name',
        'mykeyvault',
      ),
    ),
  );
  assert.equal(set.value, 'Hello ACR Tasks!');
  assert.equal(set.contentType, 'ACRTasksecret');
  assert.equal(set.name, 'SampleSecret');
  assert.match(set.id, /^https:\/\/mykeyvault\.vault\.azure\.net\/secrets\/SampleSecret\/[0-9a-f]{32}$/);
  const shown = JSON.parse(
    await ok(cli('keyvault', 'secret', 'show', '--id', 'https://mykeyvault.vault.azure.net/secrets/SampleSecret')),
  );
  assert.equal(shown.value, 'Hello ACR Tasks!');

  // at rest: encrypted with a 0600 key file; the plaintext is nowhere in the database file
  assert.equal(statSync(join(s.dataDir, 'vault.key')).mode & 0o777, 0o600);
  if (s.platform.config.database) {
    // PostgreSQL: no stored row holds the plaintext.
    const rows = await s.platform.db.selectFrom('key_vault_secrets').selectAll().execute();
    assert.ok(rows.length > 0 && !JSON.stringify(rows).includes('Hello ACR Tasks!'));
  } else assert.ok(!readFileSync(join(s.dataDir, 'dockyard.db')).includes(Buffer.from('Hello ACR Tasks!')));

  const principalID = await ok(
    cli(
      'identity',
      'create',
      '--resource-group',
      'myResourceGroup',
      '--name',
      'myACRTasksId',
      '--query',
      'principalId',
      '--output',
      'tsv',
    ),
  );
  const principal = (await s.platform.identity.identity.directory.getByObjectId(principalID))!;
  const vault = s.platform.identity.vault;
  await assert.rejects(
    vault.getSecretAs(principal, 'https://mykeyvault.vault.azure.net/secrets/SampleSecret'),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'Forbidden');
      assert.match(err.message, new RegExp(`oid=${principalID}`));
      assert.match(err.message, /SampleSecret/);
      assert.match(err.message, /does not have secrets get permission on key vault 'mykeyvault;location=eastus'/);
      return true;
    },
  );
  const pol = JSON.parse(
    await ok(
      cli(
        'keyvault',
        'set-policy',
        '--name',
        'mykeyvault',
        '--resource-group',
        'myResourceGroup',
        '--object-id',
        principalID,
        '--secret-permissions',
        'get',
      ),
    ),
  );
  assert.ok(
    pol.properties.accessPolicies.some(
      (p: any) => p.objectId === principalID && p.permissions.secrets.join() === 'get',
    ),
  );
  assert.equal(
    await vault.getSecretAs(principal, 'https://mykeyvault.vault.azure.net/secrets/SampleSecret'),
    'Hello ACR Tasks!',
  );
  assert.equal(await vault.getSecretAs(principal, shown.id), 'Hello ACR Tasks!', 'by name + version');
  await assert.rejects(
    vault.getSecretAs(principal, 'https://mykeyvault.vault.azure.net/secrets/Nope'),
    /SecretNotFound|not found/,
  );

  // the same identity through HTTP with a vault-audience token: get ok, list refused (policy has only get)
  const mi = await s.platform.identity.identity.issueTokenForPrincipal(principalID, 'https://vault.azure.net');
  assert.equal((await kv('/SampleSecret', mi.accessToken)).json.value, 'Hello ACR Tasks!');
  const list = await kv('', mi.accessToken);
  assert.equal(list.status, 403);
  assert.equal(list.json.error.code, 'Forbidden');
  const mgmt = await s.platform.identity.identity.issueTokenForPrincipal(principalID, 'https://management.azure.com/');
  const wrongAud = await kv('/SampleSecret', mgmt.accessToken);
  assert.equal(wrongAud.status, 401, 'a management token is not a vault token');
  const anon = await kv('/SampleSecret', null);
  assert.equal(anon.status, 401);
  assert.match(anon.headers.get('www-authenticate') ?? '', /resource="https:\/\/vault.azure.net"/);

  await ok(cli('keyvault', 'delete-policy', '--name', 'mykeyvault', '--object-id', principalID));
  await assert.rejects(
    vault.getSecretAs(principal, 'https://mykeyvault.vault.azure.net/secrets/SampleSecret'),
    /Forbidden|does not have/,
  );
});

test('versions, attributes, disabled, list, delete through the CLI', async () => {
  await ok(cli('keyvault', 'secret', 'set', '--vault-name', 'mykeyvault', '-n', 'rot', '--value', 'v1'));
  const v2 = JSON.parse(
    await ok(
      cli(
        'keyvault',
        'secret',
        'set',
        '--vault-name',
        'mykeyvault',
        '-n',
        'rot',
        '--value',
        'v2',
        '--expires',
        '2030-01-01T00:00:00Z',
        '--not-before',
        '2020-01-01T00:00:00Z',
        '--tags',
        'a=b',
      ),
    ),
  );
  assert.equal(v2.attributes.expires, '2030-01-01T00:00:00+00:00');
  assert.equal(v2.attributes.notBefore, '2020-01-01T00:00:00+00:00');
  assert.deepEqual(v2.tags, { a: 'b' });
  const versions = JSON.parse(
    await ok(cli('keyvault', 'secret', 'list-versions', '--vault-name', 'mykeyvault', '-n', 'rot')),
  );
  assert.equal(versions.length, 2);
  assert.ok(versions.every((v: any) => !('value' in v)));
  assert.equal(
    JSON.parse(await ok(cli('keyvault', 'secret', 'show', '--vault-name', 'mykeyvault', '-n', 'rot'))).value,
    'v2',
  );
  const first = versions.find((v: any) => v.id !== v2.id).id;
  assert.equal(JSON.parse(await ok(cli('keyvault', 'secret', 'show', '--id', first))).value, 'v1');
  const names = JSON.parse(await ok(cli('keyvault', 'secret', 'list', '--vault-name', 'mykeyvault'))).map(
    (x: any) => x.name,
  );
  assert.deepEqual(names.sort(), ['SampleSecret', 'rot']);
  // Key Vault pages: `maxresults` a page (1-25), an absolute nextLink with $skiptoken while more remain.
  const vaultToken = await s.platform.identity.identity.issueTokenForPrincipal(
    LOCAL_ADMIN_OBJECT_ID,
    'https://vault.azure.net',
  );
  const seen: string[] = [];
  let page = await kv('?maxresults=1', vaultToken.accessToken);
  for (let pages = 1; ; pages++) {
    assert.equal(page.status, 200, JSON.stringify(page.json));
    assert.equal(page.json.value.length, 1);
    seen.push(page.json.value[0].id);
    if (!page.json.nextLink) {
      assert.equal(pages, 2);
      break;
    }
    assert.match(page.json.nextLink, /^http:\/\/.*\/keyvault\/mykeyvault\/secrets\?.*\$skiptoken=/);
    page = await fetch(page.json.nextLink, { headers: { authorization: `Bearer ${vaultToken.accessToken}` } }).then(
      async (r) => ({ status: r.status, json: (await r.json()) as any, headers: r.headers }),
    );
  }
  assert.equal(new Set(seen).size, 2);
  for (const bad of ['0', '26', 'x'])
    assert.equal((await kv(`?maxresults=${bad}`, vaultToken.accessToken)).json.error.code, 'BadParameter');
  assert.equal((await kv('/rot/versions?maxresults=1', vaultToken.accessToken)).json.value.length, 1);
  await ok(cli('keyvault', 'secret', 'set', '--vault-name', 'mykeyvault', '-n', 'off', '--value', 'x', '--disabled'));
  const off = await cli('keyvault', 'secret', 'show', '--vault-name', 'mykeyvault', '-n', 'off');
  assert.equal(off.code, 1);
  assert.match(off.stderr, /disabled/);
  await ok(cli('keyvault', 'secret', 'delete', '--vault-name', 'mykeyvault', '-n', 'rot'));
  const gone = await cli('keyvault', 'secret', 'show', '--vault-name', 'mykeyvault', '-n', 'rot');
  assert.match(gone.stderr, /SecretNotFound/);
});

test('RBAC vaults: Key Vault Secrets User can read, Reader cannot; control plane needs vault roles', async () => {
  const v = JSON.parse(
    await ok(cli('keyvault', 'create', '--name', 'rbacvault1', '-g', 'myResourceGroup', '--enable-rbac-authorization')),
  );
  assert.equal(v.properties.enableRbacAuthorization, true);
  assert.deepEqual(v.properties.accessPolicies, []);
  const admin = s.platform.admin.principal;
  await assert.rejects(
    s.platform.identity.vault.setSecret(admin, 'rbacvault1', 'k', { value: 'x' }),
    /ForbiddenByRbac|not authorized/,
    'Owner has no data actions',
  );
  await assign(s, admin.objectId, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7', v.id); // Key Vault Secrets Officer
  await s.platform.identity.vault.setSecret(admin, 'rbacvault1', 'k', { value: 'rbac-value' });
  const user = await createSp(s, 'kv-user');
  const reader = await createSp(s, 'kv-reader');
  await assign(s, user.objectId, '4633458b-17de-408a-b874-0445c86b69e6', v.id); // Key Vault Secrets User
  await assign(s, reader.objectId, 'Reader', v.id);
  const get = (tok: string) =>
    fetch(`${s.endpoint}/keyvault/rbacvault1/secrets/k?api-version=7.4`, {
      headers: { authorization: `Bearer ${tok}` },
    }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
  assert.equal((await get(await spToken(s, user, 'https://vault.azure.net'))).json.value, 'rbac-value');
  const denied = await get(await spToken(s, reader, 'https://vault.azure.net'));
  assert.equal(denied.status, 403);
  assert.match(denied.json.error.message, new RegExp(`oid=${reader.objectId}`));
  assert.match(denied.json.error.message, /secrets\/k/);
  // control plane: the Reader can see the vault but not delete it
  const mgmt = await spToken(s, reader);
  assert.equal(
    (await fetch(`${s.endpoint}${v.id}?api-version=2023-07-01`, { headers: { authorization: `Bearer ${mgmt}` } }))
      .status,
    200,
  );
  assert.equal(
    (
      await fetch(`${s.endpoint}${v.id}?api-version=2023-07-01`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${mgmt}` },
      })
    ).status,
    403,
  );
  await ok(cli('keyvault', 'delete', '--name', 'rbacvault1'));
  assert.equal(await ok(cli('keyvault', 'list', '--query', '[].name', '-o', 'tsv')), 'mykeyvault');
});
