import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assign, createSp, spToken } from '../integration/identity/principals.js';
import { WorkloadBindings } from '../../src/identity/workload-bindings.js';

// Who may allow privileged steps (docs/designs/security-model.md): registry owners only; a Tasks Contributor can
// neither turn the switch on nor keep it on while changing the task's steps. And: a workload header dies with its run.
const API = 'api-version=2019-06-01-preview';
const TASKS_CONTRIBUTOR = 'fb382eab-e894-4461-af04-94435c366c3f';
let s: TestServer;
let regId: string;
let contributor: string;

before(async () => {
  s = await startTestServer();
  await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?api-version=2022-09-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  regId = (
    await s.api(
      `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/privregistry?api-version=2025-04-01`,
      { method: 'PUT', body: { sku: { name: 'Basic' } } },
    )
  ).json.id;
  const sp = await createSp(s, 'tasks-contributor');
  assert.equal((await assign(s, sp.objectId, TASKS_CONTRIBUTOR, regId)).status, 201);
  contributor = `Bearer ${await spToken(s, sp)}`;
});
after(() => s.cleanup());

const step = (text: string) => ({ type: 'EncodedTask', encodedTaskContent: Buffer.from(text).toString('base64') });
const YAML = 'version: v1.1.0\nsteps:\n  - cmd: busybox echo hi\n    privileged: true\n';

test("only a registry owner turns allowPrivilegedSteps on; a contributor's step change turns it off", async () => {
  const task = `${regId}/tasks/privtask`;
  const asContributor = { authorization: contributor };
  const denied = await s.api(`${task}?${API}`, {
    method: 'PUT',
    headers: asContributor,
    body: { location: 'eastus', properties: { allowPrivilegedSteps: true, step: step(YAML) } },
  });
  assert.equal(denied.status, 403, denied.text);
  assert.match(denied.text, /AuthorizationFailed[\s\S]*allowPrivilegedSteps/);
  const created = await s.api(`${task}?${API}`, {
    method: 'PUT',
    headers: asContributor,
    body: { location: 'eastus', properties: { step: step(YAML) } },
  });
  assert.equal(created.status, 200, created.text);
  assert.equal(created.json.allowPrivilegedSteps, false);
  assert.equal(
    (
      await s.api(`${task}?${API}`, {
        method: 'PATCH',
        headers: asContributor,
        body: { properties: { allowPrivilegedSteps: true } },
      })
    ).status,
    403,
  );
  assert.equal(
    (await s.api(`${task}?${API}`, { method: 'PATCH', body: { properties: { allowPrivilegedSteps: 'yes' } } })).status,
    400,
  );

  const owner = await s.api(`${task}?${API}`, {
    method: 'PATCH',
    body: { properties: { allowPrivilegedSteps: true } },
  });
  assert.equal(owner.status, 200, owner.text);
  assert.equal(owner.json.allowPrivilegedSteps, true);
  const status = await s.api(`${task}?${API}`, {
    method: 'PATCH',
    headers: asContributor,
    body: { properties: { status: 'Enabled' } },
  });
  assert.equal(status.json.allowPrivilegedSteps, true, 'unrelated changes keep the switch');
  const changed = await s.api(`${task}?${API}`, {
    method: 'PATCH',
    headers: asContributor,
    body: { properties: { step: step(`${YAML}  - cmd: busybox echo more\n`) } },
  });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.json.allowPrivilegedSteps, false, 'the owner approved other steps');
});

test('a workload binding answers only while its workload is active, and not after it expired', () => {
  const b = new WorkloadBindings();
  let running = true;
  const { secret } = b.create({
    identities: ['ID1'],
    expiresAt: new Date(Date.now() + 60_000),
    isActive: () => running,
  });
  assert.equal(b.resolve(secret)?.identities[0], 'id1');
  running = false;
  assert.equal(b.resolve(secret), null);
  const old = b.create({ identities: ['x'], expiresAt: new Date(Date.now() - 1) });
  assert.equal(b.resolve(old.secret), null);
});
