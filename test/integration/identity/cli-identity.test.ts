import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';

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

test('seed commands: identity + role assignment create/list/delete, role definition list', async () => {
  await ok(cli('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus'));
  await ok(cli('acr', 'create', '--resource-group', 'myResourceGroup', '--name', 'customregistry1', '--sku', 'Basic'));
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
  const reg1 = await ok(cli('acr', 'show', '--name', 'customregistry1', '--query', 'id', '--output', 'tsv'));
  const push = JSON.parse(
    await ok(cli('role', 'assignment', 'create', '--assignee', principalID, '--scope', reg1, '--role', 'acrpush')),
  );
  assert.equal(push.principalId, principalID);
  assert.equal(push.scope, reg1);
  assert.match(push.roleDefinitionId, /8311e382-0749-4cb8-b61a-304f252e45ec$/);
  assert.equal(push.resourceGroup, 'myResourceGroup');
  const reader = JSON.parse(
    await ok(
      cli(
        'role',
        'assignment',
        'create',
        '--role',
        'reader',
        '--resource-group',
        'myResourceGroup',
        '--assignee',
        principalID,
      ),
    ),
  );
  assert.equal(reader.scope, `/subscriptions/${s.sub}/resourceGroups/myResourceGroup`);
  const dup = await cli(
    'role',
    'assignment',
    'create',
    '--role',
    'Reader',
    '--resource-group',
    'myResourceGroup',
    '--assignee',
    principalID,
  );
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /RoleAssignmentExists/);
  const list = JSON.parse(await ok(cli('role', 'assignment', 'list', '--assignee', principalID, '--all')));
  assert.deepEqual(list.map((a: any) => a.roleDefinitionName).sort(), ['AcrPush', 'Reader']);
  const byClientId = await ok(
    cli('identity', 'show', '-g', 'myResourceGroup', '-n', 'myACRTasksId', '--query', 'clientId', '-o', 'tsv'),
  );
  const viaApp = JSON.parse(await ok(cli('role', 'assignment', 'list', '--assignee', byClientId, '--all')));
  assert.equal(viaApp.length, 2, 'an app (client) id resolves to the same principal');
  await ok(cli('role', 'assignment', 'delete', '--assignee', principalID, '--role', 'AcrPush', '--scope', reg1));
  assert.equal(JSON.parse(await ok(cli('role', 'assignment', 'list', '--assignee', principalID, '--all'))).length, 1);
  const defs = JSON.parse(await ok(cli('role', 'definition', 'list', '--name', 'AcrPull')));
  assert.equal(defs[0].name, '7f951dda-4ed3-4680-a7ca-43fe172d538d');
  assert.equal(defs[0].roleType, 'BuiltInRole');
  assert.deepEqual(defs[0].permissions[0].actions, ['Microsoft.ContainerRegistry/registries/pull/read']);
  const noRole = await cli(
    'role',
    'assignment',
    'create',
    '--role',
    'nosuchrole',
    '--resource-group',
    'myResourceGroup',
    '--assignee',
    principalID,
  );
  assert.match(noRole.stderr, /RoleDefinitionNotFound/);
});

test('login as admin, service principal and managed identity; account show; logout', async () => {
  const home = `${s.dataDir}/cli-login-home`;
  const c = cliFor(s.dataDir, { DOCKYARD_CONFIG_DIR: home });
  const subs = JSON.parse(await ok(c('login')));
  assert.equal(subs[0].id, s.sub);
  assert.equal(subs[0].user.type, 'user');
  const acct = JSON.parse(await ok(c('account', 'show')));
  assert.equal(acct.tenantId, s.platform.tenantId);
  await ok(c('group', 'create', '-n', 'viaBearer', '-l', 'eastus'));
  // a login about to expire is renewed the way it was obtained
  const { readFileSync, writeFileSync } = await import('node:fs');
  const pf = `${home}/profile.json`;
  const stale = JSON.parse(readFileSync(pf, 'utf8'));
  writeFileSync(pf, JSON.stringify({ ...stale, expiresOn: Math.floor(Date.now() / 1000) + 5 }));
  await ok(c('group', 'show', '-n', 'viaBearer'));
  const renewed = JSON.parse(readFileSync(pf, 'utf8'));
  assert.ok(renewed.expiresOn > stale.expiresOn - 1 && renewed.accessToken !== stale.accessToken, 'profile renewed');

  const sp = (await s.api('/dockyard/v1/servicePrincipals', { method: 'POST', body: { displayName: 'cli-sp' } })).json;
  const spLogin = JSON.parse(
    await ok(c('login', '--service-principal', '-u', sp.appId, '-p', sp.password, '--tenant', s.platform.tenantId)),
  );
  assert.equal(spLogin[0].user.name, sp.appId);
  const denied = await c('group', 'create', '-n', 'spGroup', '-l', 'eastus');
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /AuthorizationFailed/);

  await ok(c('logout'));
  const ident = (
    await s.api(
      `/subscriptions/${s.sub}/resourcegroups/viaBearer/providers/Microsoft.ManagedIdentity/userAssignedIdentities/stepId?api-version=2023-01-31`,
      { method: 'PUT', body: {} },
    )
  ).json;
  await s.api(
    `/subscriptions/${s.sub}/resourcegroups/viaBearer/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`,
    {
      method: 'PUT',
      body: {
        properties: {
          roleDefinitionId: '/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7',
          principalId: ident.principalId,
        },
      },
    },
  );
  const { secret } = s.platform.identity.identity.createWorkloadBinding({
    identities: [ident.principalId],
    expiresAt: new Date(Date.now() + 60_000),
  });
  const env = {
    ...s.platform.identity.identity.workloadEnvironment(secret, s.endpoint),
    DOCKYARD_CONFIG_DIR: `${s.dataDir}/container-home`,
    DOCKYARD_DATA_DIR: '/nonexistent',
  };
  const inContainer = cliFor('/nonexistent', env);
  const mi = JSON.parse(await ok(inContainer('login', '--identity')));
  assert.equal(mi[0].user.assignedIdentityInfo, `MSIResource-${ident.id}`);
  assert.equal(mi[0].user.name, 'userAssignedIdentity');
  assert.equal(mi[0].user.type, 'servicePrincipal');
  const show = JSON.parse(await ok(inContainer('account', 'show')));
  assert.equal(show.user.assignedIdentityInfo, `MSIResource-${ident.id}`);
  assert.equal(
    JSON.parse(await ok(inContainer('group', 'show', '-n', 'viaBearer'))).name,
    'viaBearer',
    'Reader on the group can read it',
  );
  const write = await inContainer('group', 'create', '-n', 'viaBearer', '-l', 'eastus');
  assert.match(write.stderr, /AuthorizationFailed/, 'but not write it');
  const byClient = JSON.parse(await ok(inContainer('login', '--identity', '--username', ident.clientId)));
  assert.equal(byClient[0].user.assignedIdentityInfo, `MSIClient-${ident.clientId}`);
  const noSecret = await cliFor('/nonexistent', { ...env, IDENTITY_HEADER: 'wrong', MSI_SECRET: 'wrong' })(
    'login',
    '--identity',
  );
  assert.equal(noSecret.code, 1);
  assert.match(noSecret.stderr, /unauthorized_client/);
});
