// Issue 12, item 3: a user-assigned identity could be attached by anyone able to write tasks. Attaching one (task
// create/update, `task identity assign`, running other code with a task's identity) now needs
// Microsoft.ManagedIdentity/userAssignedIdentities/assign/action on the identity, as in Azure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cliFor } from '../helpers/cli.js';
import { assign, createSp, spToken } from '../integration/identity/principals.js';

const TASKV = 'api-version=2019-06-01-preview';
const TASKS_CONTRIBUTOR = 'fb382eab-e894-4461-af04-94435c366c3f';
const MI_OPERATOR = 'f1a07417-d97a-45cb-824c-7a7467783830';
const MI_CONTRIBUTOR = 'e40ec5ca-96e0-45a2-b4ff-59039f2c2b59';

let s: TestServer;
let rg: string;
let reg: string;
let uami: string;
let sp: { appId: string; objectId: string; password: string };
let token: string;

const encoded = Buffer.from('version: v1.1.0\nsteps:\n  - cmd: busybox echo hi\n').toString('base64');
const taskBody = (identity?: unknown) => ({
  location: 'eastus',
  properties: {
    platform: { os: 'linux' },
    step: { type: 'EncodedTask', encodedTaskContent: encoded, contextPath: null },
    trigger: { baseImageTrigger: null },
  },
  ...(identity ? { identity } : {}),
});
const asSp = (path: string, method = 'GET', body?: unknown) =>
  s.api(path, { method, body, headers: { authorization: `Bearer ${token}` } });

before(async () => {
  s = await startTestServer();
  rg = `/subscriptions/${s.sub}/resourceGroups/secrg`;
  reg = `${rg}/providers/Microsoft.ContainerRegistry/registries/secreg`;
  assert.equal(
    (await s.api(`${rg}?api-version=2022-09-01`, { method: 'PUT', body: { location: 'eastus' } })).status,
    201,
  );
  assert.equal(
    (
      await s.api(`${reg}?api-version=2025-04-01`, {
        method: 'PUT',
        body: { location: 'eastus', sku: { name: 'Standard' } },
      })
    ).status,
    201,
  );
  const u = await s.api(
    `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami1?api-version=2023-01-31`,
    { method: 'PUT', body: { location: 'eastus' } },
  );
  assert.equal(u.status, 201, u.text);
  uami = u.json.id;
  sp = await createSp(s, 'tasks-contributor');
  assert.equal((await assign(s, sp.objectId, TASKS_CONTRIBUTOR, reg)).status, 201);
  // Managed Identity Contributor can manage the identity but not assign it (as in Azure).
  assert.equal((await assign(s, sp.objectId, MI_CONTRIBUTOR, uami)).status, 201);
  token = await spToken(s, sp);
});
after(async () => {
  await s.cleanup();
});

function assertLinkedFailure(r: { status: number; json: any; text: string }, action: string) {
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'LinkedAuthorizationFailed');
  assert.match(r.json.error.message, new RegExp(`has permission to perform action '${action.replaceAll('/', '\\/')}'`));
  assert.match(
    r.json.error.message,
    /does not have permission to perform action\(s\) 'Microsoft\.ManagedIdentity\/userAssignedIdentities\/assign\/action' on the linked scope\(s\)/,
  );
  assert.ok(r.json.error.message.includes(uami), r.json.error.message);
}

test('Tasks Contributor without assign rights cannot attach, lend or run with a user-assigned identity; Managed Identity Operator on it can', async () => {
  const userIdentity = { type: 'UserAssigned', userAssignedIdentities: { [uami]: {} } };
  // create with --assign-identity <uami>
  assertLinkedFailure(
    await asSp(`${reg}/tasks/stealtask?${TASKV}`, 'PUT', taskBody(userIdentity)),
    'Microsoft.ContainerRegistry/registries/tasks/write',
  );
  assert.equal((await s.api(`${reg}/tasks/stealtask?${TASKV}`)).status, 404, 'nothing was created');
  // update (PATCH identity) of a task the principal may write
  assert.equal((await asSp(`${reg}/tasks/plaintask?${TASKV}`, 'PUT', taskBody())).status, 200);
  assertLinkedFailure(
    await asSp(`${reg}/tasks/plaintask?${TASKV}`, 'PATCH', { identity: userIdentity }),
    'Microsoft.ContainerRegistry/registries/tasks/write',
  );
  assert.equal((await s.api(`${reg}/tasks/plaintask?${TASKV}`)).json.identity ?? null, null);
  // running other code with the identity of a task an administrator set up
  assert.equal(
    (await s.api(`${reg}/tasks/admintask?${TASKV}`, { method: 'PUT', body: taskBody(userIdentity) })).status,
    200,
  );
  const other = Buffer.from('version: v1.1.0\nsteps:\n  - cmd: busybox cat /etc/hostname\n').toString('base64');
  const runReq = {
    type: 'TaskRunRequest',
    taskId: `${reg}/tasks/admintask`,
    overrideTaskStepProperties: { encodedTaskContent: other },
  };
  assertLinkedFailure(
    await asSp(`${reg}/scheduleRun?${TASKV}`, 'POST', runReq),
    'Microsoft.ContainerRegistry/registries/scheduleRun/action',
  );
  // the task as it is may still be run (as in Azure: scheduleRun on the registry)
  assert.equal(
    (await asSp(`${reg}/scheduleRun?${TASKV}`, 'POST', { type: 'TaskRunRequest', taskId: `${reg}/tasks/admintask` }))
      .status,
    200,
  );
  // a quick run asking for an identity
  const quick = { type: 'EncodedTaskRunRequest', encodedTaskContent: other, identity: userIdentity };
  assertLinkedFailure(
    await asSp(`${reg}/scheduleRun?${TASKV}`, 'POST', quick),
    'Microsoft.ContainerRegistry/registries/scheduleRun/action',
  );

  // `dockyard acr task identity assign` through the CLI, logged in as the service principal
  const cli = cliFor(s.dataDir, { DOCKYARD_CONFIG_DIR: join(s.dataDir, 'sp-cli') });
  const login = await cli(
    'login',
    '--service-principal',
    '-u',
    sp.appId,
    '-p',
    sp.password,
    '--tenant',
    s.platform.tenantId,
  );
  assert.equal(login.code, 0, login.stderr);
  const denied = await cli(
    'acr',
    'task',
    'identity',
    'assign',
    '-n',
    'plaintask',
    '-r',
    'secreg',
    '--identities',
    uami,
  );
  assert.equal(denied.code, 1, denied.stdout);
  assert.match(denied.stderr, /LinkedAuthorizationFailed/);

  // Managed Identity Operator on the identity grants assign/action: everything above now succeeds.
  assert.equal((await assign(s, sp.objectId, MI_OPERATOR, uami)).status, 201);
  const created = await asSp(`${reg}/tasks/stealtask?${TASKV}`, 'PUT', taskBody(userIdentity));
  assert.equal(created.status, 200, created.text);
  assert.ok(created.json.identity.userAssignedIdentities[uami]);
  const assigned = await cli(
    'acr',
    'task',
    'identity',
    'assign',
    '-n',
    'plaintask',
    '-r',
    'secreg',
    '--identities',
    uami,
  );
  assert.equal(assigned.code, 0, assigned.stderr);
  assert.ok((await s.api(`${reg}/tasks/plaintask?${TASKV}`)).json.identity.userAssignedIdentities[uami]);
  assert.equal((await asSp(`${reg}/scheduleRun?${TASKV}`, 'POST', runReq)).status, 200);
  // Re-sending identities a task already holds needs no new check; removing one never does.
  assert.equal((await asSp(`${reg}/tasks/plaintask?${TASKV}`, 'PATCH', { identity: { type: 'None' } })).status, 200);
});

test('the Managed Identity Operator role grants userAssignedIdentities/assign/action, Contributor and Owner via *', async () => {
  const { actionMatches, BUILT_IN_ROLES, roleGrants } = await import('../../src/rbac/index.js');
  const role = (name: string) => BUILT_IN_ROLES.find((r) => r.roleName === name)!;
  const action = 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action';
  assert.equal(role('Managed Identity Operator').id, MI_OPERATOR);
  for (const name of ['Managed Identity Operator', 'Owner', 'Contributor'])
    assert.ok(roleGrants(role(name), action), name);
  for (const name of ['Managed Identity Contributor', 'Container Registry Tasks Contributor', 'Reader'])
    assert.ok(!roleGrants(role(name), action), name);
  assert.ok(
    !actionMatches(
      'Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action',
      'Microsoft.ManagedIdentity/userAssignedIdentitiesX/assign/action',
    ),
  );
});
