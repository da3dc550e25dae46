import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { assign, createSp, spToken } from '../identity/principals.js';

let s: TestServer;
let rg1: string;
let rg2: string;
let reg: string;
const RV = 'api-version=2022-09-01';
const REGV = 'api-version=2025-04-01';

before(async () => {
  s = await startTestServer();
  rg1 = `/subscriptions/${s.sub}/resourceGroups/rg1`;
  rg2 = `/subscriptions/${s.sub}/resourceGroups/rg2`;
  reg = `${rg1}/providers/Microsoft.ContainerRegistry/registries/matrixreg1`;
  for (const g of [rg1, rg2])
    assert.equal((await s.api(`${g}?${RV}`, { method: 'PUT', body: { location: 'eastus' } })).status, 201);
  assert.equal(
    (await s.api(`${reg}?${REGV}`, { method: 'PUT', body: { location: 'eastus', sku: { name: 'Premium' } } })).status,
    201,
  );
});
after(async () => {
  await s.cleanup();
});

type Op = 'readRg1' | 'readRg2' | 'readReg' | 'writeReg' | 'assignRg1';
const OPS: Op[] = ['readRg1', 'readRg2', 'readReg', 'writeReg', 'assignRg1'];

async function run(op: Op, token: string, self: string): Promise<number> {
  const h = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const call = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${s.endpoint}${path}`, { method, headers: h, body: body ? JSON.stringify(body) : undefined }).then(
      (r) => r.status,
    );
  switch (op) {
    case 'readRg1':
      return call(`${rg1}?${RV}`);
    case 'readRg2':
      return call(`${rg2}?${RV}`);
    case 'readReg':
      return call(`${reg}?${REGV}`);
    case 'writeReg':
      return call(`${reg}?${REGV}`, 'PATCH', { tags: { by: 'matrix' } });
    case 'assignRg1':
      return call(
        `${rg1}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`,
        'PUT',
        {
          properties: {
            roleDefinitionId: `/subscriptions/${s.sub}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
            principalId: self,
          },
        },
      );
  }
}

// role, scope -> the operations it allows (everything else must be 403).
const MATRIX: Array<[string | null, 'sub' | 'rg1' | 'reg', Op[]]> = [
  ['Owner', 'sub', ['readRg1', 'readRg2', 'readReg', 'writeReg', 'assignRg1']],
  ['Owner', 'rg1', ['readRg1', 'readReg', 'writeReg', 'assignRg1']],
  ['Owner', 'reg', ['readReg', 'writeReg']],
  ['Contributor', 'sub', ['readRg1', 'readRg2', 'readReg', 'writeReg']],
  ['Contributor', 'rg1', ['readRg1', 'readReg', 'writeReg']],
  ['Reader', 'sub', ['readRg1', 'readRg2', 'readReg']],
  ['Reader', 'rg1', ['readRg1', 'readReg']],
  ['Reader', 'reg', ['readReg']],
  ['AcrPush', 'rg1', []],
  ['AcrPull', 'reg', []],
  [null, 'sub', []],
];

for (const [role, where, allowed] of MATRIX) {
  test(`${role ?? 'no role'} at ${where}: allows ${allowed.join(', ') || 'nothing'}`, async () => {
    const sp = await createSp(s, `${role}-${where}`);
    if (role) {
      const scope = where === 'sub' ? `/subscriptions/${s.sub}` : where === 'rg1' ? rg1 : reg;
      const a = await assign(s, sp.objectId, role, scope);
      assert.equal(a.status, 201, JSON.stringify(a.json));
    }
    const token = await spToken(s, sp);
    for (const op of OPS) {
      const status = await run(op, token, sp.objectId);
      const expected = allowed.includes(op) ? [200, 201] : [403];
      assert.ok(expected.includes(status), `${role}@${where} ${op}: got ${status}, expected ${expected.join('/')}`);
    }
  });
}

test('role assignment API: duplicate, unknown role, unknown principal, list/get/delete, cleanup on resource deletion', async () => {
  const sp = await createSp(s, 'api');
  const a = await assign(s, sp.objectId, 'AcrPush', reg);
  assert.equal(a.status, 201);
  assert.equal(a.json.properties.scope, reg);
  assert.equal(a.json.properties.principalType, 'ServicePrincipal');
  assert.equal((await assign(s, sp.objectId, 'AcrPush', reg.toUpperCase())).json.error.code, 'RoleAssignmentExists');
  assert.equal(
    (await assign(s, sp.objectId, '00000000-1234-1234-1234-000000000000', reg)).json.error.code,
    'RoleDefinitionNotFound',
  );
  assert.equal(
    (await assign(s, '12345678-1234-1234-1234-123456789012', 'AcrPush', reg)).json.error.code,
    'PrincipalNotFound',
  );
  assert.equal(
    (await assign(s, sp.objectId, 'AcrPush', `/subscriptions/${s.sub}/resourceGroups/nope`)).json.error.code,
    'ResourceGroupNotFound',
  );
  const listed = await s.api(
    `${rg1}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent(`principalId eq '${sp.objectId}'`)}`,
  );
  assert.deepEqual(
    listed.json.value.map((x: any) => x.name),
    [a.json.name],
  );
  const got = await s.api(`${a.json.id}?api-version=2022-04-01`);
  assert.equal(got.status, 200);
  const defs = await s.api(
    `/subscriptions/${s.sub}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01&$filter=${encodeURIComponent("roleName eq 'acrpush'")}`,
  );
  assert.equal(defs.json.value[0].name, '8311e382-0749-4cb8-b61a-304f252e45ec');
  assert.equal((await s.api(`${a.json.id}?api-version=2022-04-01`, { method: 'DELETE' })).status, 200);
  assert.equal((await s.api(`${a.json.id}?api-version=2022-04-01`)).status, 404);
  // resource deletion removes assignments at or below it
  const b = await assign(s, sp.objectId, 'Reader', rg2);
  assert.equal(b.status, 201);
  assert.equal((await s.api(`${rg2}?${RV}`, { method: 'DELETE' })).status, 200);
  assert.equal((await s.api(`${b.json.id}?api-version=2022-04-01`)).status, 404);
});
