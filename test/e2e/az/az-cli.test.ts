import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';

// The real Azure CLI (Debian's azure-cli 2.45, apt package `azure-cli`) against Dockyard registered as a custom cloud
// over the https listener: the seed commands run verbatim (docs/designs/azure-cli.md).
const run = promisify(execFile);
let s: TestServer;
let work: string;
let env: NodeJS.ProcessEnv;
let sp: { appId: string; password: string; tenant: string };

/** Async child process: the server runs in this process, so a blocking child would deadlock it. */
async function az(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('az', args, { env, encoding: 'utf8', timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}
async function ok(...args: string[]): Promise<string> {
  const r = await az(...args);
  assert.equal(r.code, 0, `az ${args.join(' ')}\n${r.stderr}`);
  return r.stdout.trim();
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-az-'));
  const cert = join(work, 'cert.pem');
  const key = join(work, 'key.pem');
  await run('openssl', [
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
  s = await startTestServer({ tlsCert: cert, tlsKey: key, tlsPort: 0 });
  assert.match(s.tlsEndpoint ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
  env = {
    ...process.env,
    AZURE_CONFIG_DIR: join(work, 'azure'),
    REQUESTS_CA_BUNDLE: cert,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_SURVEY_MESSAGE: 'false',
    AZURE_CORE_NO_COLOR: 'true',
  };

  const cli = cliFor(s.dataDir);
  const created = await cli(
    'ad',
    'sp',
    'create-for-rbac',
    '--name',
    'az-cli',
    '--role',
    'Owner',
    '--scopes',
    `/subscriptions/${s.sub}`,
  );
  assert.equal(created.code, 0, created.stderr);
  sp = JSON.parse(created.stdout);

  const e = s.tlsEndpoint!;
  const cloud = {
    endpoints: {
      activeDirectory: `${e}/adfs`,
      activeDirectoryResourceId: 'https://management.core.windows.net/',
      resourceManager: `${e}/`,
      management: 'https://management.core.windows.net/',
      microsoftGraphResourceId: `${e}/graph/`,
      activeDirectoryGraphResourceId: `${e}/graph/`,
    },
    suffixes: { acrLoginServerEndpoint: '.azurecr.io' },
  };
  writeFileSync(join(work, 'cloud.json'), JSON.stringify(cloud));
  await ok('cloud', 'register', '-n', 'Dockyard', '--cloud-config', `@${join(work, 'cloud.json')}`);
  await ok('cloud', 'set', '-n', 'Dockyard');
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test('az login --service-principal against Dockyard; a wrong secret is refused', { timeout: 120_000 }, async () => {
  const bad = await az('login', '--service-principal', '-u', sp.appId, '-p', 'not-the-secret', '--tenant', sp.tenant);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /AADSTS7000215/);
  const subs = JSON.parse(
    await ok('login', '--service-principal', '-u', sp.appId, '-p', sp.password, '--tenant', sp.tenant),
  );
  assert.equal(subs[0].id, s.sub);
  assert.equal(subs[0].tenantId, s.platform.tenantId);
  assert.equal(subs[0].user.name, sp.appId);
});

test(
  'seed commands: group, acr, identity, role assignment, task with identity, task run',
  { timeout: 300_000 },
  async () => {
    const group = JSON.parse(await ok('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus'));
    assert.equal(group.properties.provisioningState, 'Succeeded');
    const reg = JSON.parse(
      await ok('acr', 'create', '--resource-group', 'myResourceGroup', '--name', 'myregistry', '--sku', 'Basic'),
    );
    assert.equal(
      reg.loginServer,
      (await s.platform.registries.all()).find((r) => r.name === 'myregistry')?.login_server,
    );

    // without -g: az finds the group through GET /subscriptions/{sub}/resources?$filter=resourceType eq ...
    const resourceID = await ok('acr', 'show', '--name', 'myregistry', '--query', 'id', '--output', 'tsv');
    assert.equal(
      resourceID,
      `/subscriptions/${s.sub}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myregistry`,
    );
    assert.equal(
      await ok(
        'acr',
        'show',
        '--resource-group',
        'myResourceGroup',
        '--name',
        'myregistry',
        '--query',
        'id',
        '--output',
        'tsv',
      ),
      resourceID,
    );
    const missing = await az('acr', 'show', '--name', 'nosuchregistry');
    assert.notEqual(missing.code, 0);

    await ok('identity', 'create', '--resource-group', 'myResourceGroup', '--name', 'myACRId');
    const userID = await ok(
      'identity',
      'show',
      '--resource-group',
      'myResourceGroup',
      '--name',
      'myACRId',
      '--query',
      'id',
      '--output',
      'tsv',
    );
    const spID = await ok(
      'identity',
      'show',
      '--resource-group',
      'myResourceGroup',
      '--name',
      'myACRId',
      '--query',
      'principalId',
      '--output',
      'tsv',
    );
    assert.match(userID, /\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/myACRId$/);
    const principal = await s.api(`/dockyard/v1/principals/${spID}`);
    assert.equal(principal.json.resourceId, userID);

    // Graph: the assignee lookup az performs (servicePrincipalNames filter) answers from Dockyard's directory.
    assert.equal(
      await ok(
        'ad',
        'sp',
        'list',
        '--filter',
        `servicePrincipalNames/any(c:c eq '${userID}')`,
        '--query',
        '[0].id',
        '-o',
        'tsv',
      ),
      spID,
    );

    // `az role assignment create` of Debian's 2.45 dies client-side before any request (azure-cli#24959, see the design
    // note); the same ARM call through `az rest` with az's own token:
    const acrPull = `/subscriptions/${s.sub}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`;
    const ra = JSON.parse(
      await ok(
        'rest',
        '--method',
        'put',
        '--url',
        `${resourceID}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
        '--body',
        JSON.stringify({ properties: { roleDefinitionId: acrPull, principalId: spID } }),
      ),
    );
    assert.equal(ra.properties.principalId, spID);
    assert.equal(ra.properties.principalType, 'ServicePrincipal');
    const list = await s.api(`${resourceID}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01`);
    assert.ok(
      list.json.value.some(
        (a: { properties: { principalId: string; roleDefinitionId: string } }) =>
          a.properties.principalId === spID &&
          a.properties.roleDefinitionId.endsWith('7f951dda-4ed3-4680-a7ca-43fe172d538d'),
      ),
    );

    const task = JSON.parse(
      await ok(
        'acr',
        'task',
        'create',
        '-n',
        'msitask',
        '--registry',
        'myregistry',
        '--cmd',
        'hello-world',
        '-c',
        '/dev/null',
        '--assign-identity',
      ),
    );
    assert.equal(task.identity.type, 'SystemAssigned');
    const taskPrincipal = await ok(
      'acr',
      'task',
      'show',
      '--name',
      'msitask',
      '--registry',
      'myregistry',
      '--query',
      'identity.principalId',
      '--output',
      'tsv',
    );
    assert.equal(taskPrincipal, task.identity.principalId);

    // This server has no container engine: the run is queued, its log streamed to az, and it fails with the reason.
    const runOut = await az(
      'acr',
      'task',
      'run',
      '--name',
      'msitask',
      '--registry',
      'myregistry',
      '--set',
      'registryName=myregistry',
    );
    assert.equal(runOut.code, 0, runOut.stderr);
    assert.match(runOut.stderr, /Queued a run with ID: (\w+)/);
    assert.match(runOut.stdout, /No container engine is configured/);
    const runs = JSON.parse(await ok('acr', 'task', 'list-runs', '--registry', 'myregistry'));
    assert.equal(runs[0].status, 'Failed');
  },
);

test(
  'tokens and scope maps with the real az: create, update, credential generate, in-use delete refused',
  { timeout: 300_000 },
  async () => {
    const map = JSON.parse(
      await ok(
        'acr',
        'scope-map',
        'create',
        '-r',
        'myregistry',
        '-n',
        'appmap',
        '--repository',
        'app/*',
        'content/read',
        'content/write',
        '--description',
        'CI',
      ),
    );
    assert.deepEqual(map.actions, ['repositories/app/*/content/read', 'repositories/app/*/content/write']);
    assert.equal(map.description, 'CI');
    const tok = JSON.parse(
      await ok(
        'acr',
        'token',
        'create',
        '-r',
        'myregistry',
        '-n',
        'ci-token',
        '--scope-map',
        'appmap',
        '--expiration-in-days',
        '30',
      ),
    );
    assert.equal(tok.status, 'enabled');
    assert.match(tok.scopeMapId, /\/scopeMaps\/appmap$/);
    assert.deepEqual(tok.credentials.passwords.map((p: { name: string }) => p.name).sort(), ['password1', 'password2']);
    assert.ok(tok.credentials.passwords.every((p: { value?: string }) => p.value));
    assert.equal(
      JSON.parse(await ok('acr', 'token', 'update', '-r', 'myregistry', '-n', 'ci-token', '--status', 'disabled'))
        .status,
      'disabled',
    );
    const gen = JSON.parse(
      await ok(
        'acr',
        'token',
        'credential',
        'generate',
        '-r',
        'myregistry',
        '-n',
        'ci-token',
        '--password1',
        '--expiration-in-days',
        '1',
      ),
    );
    assert.equal(gen.username, 'ci-token');
    assert.ok(gen.passwords.some((p: { name: string; value?: string }) => p.name === 'password1' && p.value));
    const upd = JSON.parse(
      await ok(
        'acr',
        'scope-map',
        'update',
        '-r',
        'myregistry',
        '-n',
        'appmap',
        '--add-repository',
        'other',
        'content/read',
      ),
    );
    assert.ok(upd.actions.includes('repositories/other/content/read'));
    const names = JSON.parse(await ok('acr', 'scope-map', 'list', '-r', 'myregistry')).map(
      (m: { name: string }) => m.name,
    );
    for (const n of ['_repositories_pull', '_repositories_push', '_repositories_admin', 'appmap'])
      assert.ok(names.includes(n), n);
    assert.equal(JSON.parse(await ok('acr', 'token', 'show', '-r', 'myregistry', '-n', 'ci-token')).name, 'ci-token');
    assert.notEqual((await az('acr', 'scope-map', 'delete', '-r', 'myregistry', '-n', 'appmap', '-y')).code, 0);
    await ok('acr', 'token', 'delete', '-r', 'myregistry', '-n', 'ci-token', '-y');
    await ok('acr', 'scope-map', 'delete', '-r', 'myregistry', '-n', 'appmap', '-y');
  },
);

test('an SP without a role assignment is refused by ARM (authorization is real)', { timeout: 120_000 }, async () => {
  const cli = cliFor(s.dataDir);
  const plain = JSON.parse((await cli('ad', 'sp', 'create-for-rbac', '--name', 'no-role')).stdout);
  await ok(
    'login',
    '--service-principal',
    '-u',
    plain.appId,
    '-p',
    plain.password,
    '--tenant',
    plain.tenant,
    '--allow-no-subscriptions',
  );
  const denied = await az('group', 'create', '--name', 'deniedGroup', '--location', 'eastus', '--subscription', s.sub);
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /AuthorizationFailed/);
});
