import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { assign, createSp, spToken } from '../identity/principals.js';

let s: TestServer;
let cli: ReturnType<typeof cliFor>;
const ok = async (p: Promise<{ code: number; stdout: string; stderr: string }>) => {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
};

test.before(async () => {
  s = await startTestServer();
  cli = cliFor(s.dataDir);
  await ok(cli('group', 'create', '-n', 'rg', '-l', 'eastus'));
  await ok(cli('acr', 'create', '-g', 'rg', '-n', 'poolreg', '--sku', 'Premium'));
  await ok(cli('acr', 'create', '-g', 'rg', '-n', 'basicreg', '--sku', 'Basic'));
});
test.after(() => s.cleanup());

test('acr agentpool create/show/list/update/delete in az shapes, queue count, Deleting quirk', async () => {
  const created = JSON.parse(
    await ok(cli('acr', 'agentpool', 'create', '-n', 'pool1', '-r', 'poolreg', '--tier', 's2')),
  );
  assert.deepEqual(
    { ...created, id: undefined },
    {
      count: 1,
      id: undefined,
      location: 'eastus',
      name: 'pool1',
      os: 'Linux',
      provisioningState: 'Succeeded',
      resourceGroup: 'rg',
      systemData: null,
      tags: {},
      tier: 'S2',
      type: 'Microsoft.ContainerRegistry/registries/agentPools',
      virtualNetworkSubnetResourceId: null,
    },
  );
  assert.match(created.id, /\/registries\/poolreg\/agentPools\/pool1$/);
  const shown = JSON.parse(await ok(cli('acr', 'agentpool', 'show', '-n', 'pool1', '-r', 'poolreg')));
  assert.deepEqual(shown, created);
  assert.deepEqual(
    JSON.parse(await ok(cli('acr', 'agentpool', 'show', '-n', 'pool1', '-r', 'poolreg', '--queue-count'))),
    { count: 0 },
  );
  const updated = JSON.parse(
    await ok(cli('acr', 'agentpool', 'update', '-n', 'pool1', '-r', 'poolreg', '--count', '3')),
  );
  assert.equal(updated.count, 3);
  assert.equal(updated.tier, 'S2');
  const table = await ok(cli('acr', 'agentpool', 'list', '-r', 'poolreg', '-o', 'table'));
  assert.match(table, /pool1\s+3\s+S2\s+Linux\s+Succeeded/);

  // ARM: PATCH changes only tags and count; bad names, tiers and counts are refused.
  const base = `/subscriptions/${s.sub}/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/poolreg/agentPools`;
  const v = '?api-version=2019-06-01-preview';
  const patched = await s.api(`${base}/pool1${v}`, {
    method: 'PATCH',
    body: { tags: { team: 'a' }, properties: { count: 2, tier: 'S3' } },
  });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.json.count, patched.json.tier, patched.json.tags], [2, 'S2', { team: 'a' }]);
  for (const [name, body, code] of [
    ['x', { location: 'eastus' }, 'InvalidResourceName'],
    ['way-too-long-pool-name-1', { location: 'eastus' }, 'InvalidResourceName'],
    ['okname', { location: 'eastus', properties: { tier: 'S9' } }, 'InvalidParameter'],
    ['okname', { location: 'eastus', properties: { count: -1 } }, 'InvalidParameter'],
    ['okname', { location: 'eastus', properties: { os: 'Windows' } }, 'InvalidParameter'],
    ['okname', { properties: {} }, 'InvalidParameter'],
  ] as const) {
    const r = await s.api(`${base}/${name}${v}`, { method: 'PUT', body });
    assert.equal(r.status, 400, `${name} ${JSON.stringify(body)}`);
    assert.equal(r.json.error.code, code);
  }

  // Delete: az GETs the pool right after the DELETE and fails on a 404; it is `Deleting` for a moment, then gone.
  const del = await s.api(`${base}/pool1${v}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  const right = await s.api(`${base}/pool1${v}`);
  assert.equal(right.status, 200);
  assert.equal(right.json.provisioningState, 'Deleting');
  const t0 = Date.now();
  await ok(cli('acr', 'agentpool', 'create', '-n', 'pool2', '-r', 'poolreg'));
  await ok(cli('acr', 'agentpool', 'delete', '-n', 'pool2', '-r', 'poolreg', '--yes'));
  assert.ok(Date.now() - t0 < 15_000);
  assert.equal((await s.api(`${base}/pool2${v}`)).status, 404);
  const gone = await cli('acr', 'agentpool', 'show', '-n', 'pool2', '-r', 'poolreg');
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /ResourceNotFound/);
});

test('agent pools are Premium only', async () => {
  const r = await cli('acr', 'agentpool', 'create', '-n', 'pool1', '-r', 'basicreg');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /OperationNotAllowed.*Premium SKU/);
  const l = await cli('acr', 'agentpool', 'list', '-r', 'basicreg');
  assert.match(l.stderr, /Premium SKU/);
});

test('credential: issued once (0600 file), stored hashed, replaced on reissue', async () => {
  await ok(cli('acr', 'agentpool', 'create', '-n', 'credpool', '-r', 'poolreg'));
  const file = join(s.dataDir, 'pool.token');
  const out = JSON.parse(
    await ok(cli('acr', 'agentpool', 'credential', '-n', 'credpool', '-r', 'poolreg', '--token-file', file)),
  );
  assert.equal(out.token, undefined);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const token = readFileSync(file, 'utf8').trim();
  assert.match(token, /^dyap\.poolreg\.credpool\.[A-Za-z0-9_-]{40,}$/);
  const row = await s.platform.tasks.pools.get(
    { id: (await s.platform.registries.byName('poolreg'))!.id, name: 'poolreg', location: 'eastus' },
    'credpool',
  );
  assert.ok(row?.credential_hash && !row.credential_hash.includes(token) && row.credential_hash.length === 64);
  assert.ok(await s.platform.tasks.pools.authenticate('poolreg', 'credpool', token));
  const again = JSON.parse(await ok(cli('acr', 'agentpool', 'credential', '-n', 'credpool', '-r', 'poolreg')));
  assert.notEqual(again.token, token);
  assert.equal(await s.platform.tasks.pools.authenticate('poolreg', 'credpool', token), null, 'old one revoked');
});

test('RBAC: Reader reads pools but cannot create, update, delete or issue credentials', async () => {
  await ok(cli('acr', 'agentpool', 'create', '-n', 'rbacpool', '-r', 'poolreg'));
  const sp = await createSp(s, 'pool-reader');
  const reg = (await s.platform.registries.byName('poolreg'))!;
  const base = `${reg.id}/agentPools`;
  const v = '?api-version=2019-06-01-preview';
  const bearer = async () => ({ authorization: `Bearer ${await spToken(s, sp)}` });
  assert.equal(
    (await s.api(`${base}/rbacpool${v}`, { headers: await bearer() })).json.error.code,
    'AuthorizationFailed',
  );
  assert.equal((await assign(s, sp.objectId, 'Reader', reg.id)).status, 201);
  const h = await bearer();
  assert.equal((await s.api(`${base}/rbacpool${v}`, { headers: h })).status, 200);
  assert.equal((await s.api(`${base}${v}`, { headers: h })).json.value.length >= 1, true);
  for (const [method, path, body] of [
    ['PUT', `${base}/other${v}`, { location: 'eastus' }],
    ['PATCH', `${base}/rbacpool${v}`, { properties: { count: 5 } }],
    ['DELETE', `${base}/rbacpool${v}`, undefined],
    ['POST', `${base}/rbacpool/generateCredential${v}`, undefined],
  ] as const) {
    const r = await s.api(path, { method, body, headers: h });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.equal(r.json.error.code, 'AuthorizationFailed');
  }
  assert.equal((await s.api(`${base}/rbacpool/listQueueStatus${v}`, { method: 'POST', headers: h })).status, 403);
  assert.equal((await assign(s, sp.objectId, 'Contributor', reg.id)).status, 201);
  const c = await s.api(`${base}/rbacpool${v}`, {
    method: 'PATCH',
    body: { properties: { count: 4 } },
    headers: await bearer(),
  });
  assert.equal(c.status, 200);
  assert.equal(c.json.count, 4);
});

test('--agent-pool on acr task create/update/run, acr run and acr build; an unknown pool is refused', async () => {
  await ok(cli('acr', 'agentpool', 'create', '-n', 'taskpool', '-r', 'poolreg'));
  const t = JSON.parse(
    await ok(
      cli(
        'acr',
        'task',
        'create',
        '-n',
        'pooltask',
        '-r',
        'poolreg',
        '--cmd',
        'busybox true',
        '-c',
        '/dev/null',
        '--agent-pool',
        'taskpool',
      ),
    ),
  );
  assert.equal(t.agentPoolName, 'taskpool');
  const run = JSON.parse(await ok(cli('acr', 'task', 'run', '-n', 'pooltask', '-r', 'poolreg', '--no-wait')));
  assert.equal(run.agentPoolName, 'taskpool');
  assert.equal(run.status, 'Queued');
  assert.deepEqual(
    JSON.parse(await ok(cli('acr', 'agentpool', 'show', '-n', 'taskpool', '-r', 'poolreg', '--queue-count'))),
    { count: 1 },
  );
  const cleared = JSON.parse(
    await ok(cli('acr', 'task', 'update', '-n', 'pooltask', '-r', 'poolreg', '--agent-pool', '')),
  );
  assert.equal(cleared.agentPoolName, null);
  const upd = JSON.parse(
    await ok(cli('acr', 'task', 'update', '-n', 'pooltask', '-r', 'poolreg', '--agent-pool', 'taskpool')),
  );
  assert.equal(upd.agentPoolName, 'taskpool');
  const quick = JSON.parse(
    await ok(
      cli('acr', 'run', '-r', 'poolreg', '--cmd', 'busybox true', '/dev/null', '--agent-pool', 'taskpool', '--no-wait'),
    ),
  );
  assert.equal(quick.agentPoolName, 'taskpool');
  const build = await cli(
    'acr',
    'build',
    '-r',
    'poolreg',
    '-t',
    'x:1',
    'https://example.invalid/repo.git',
    '--agent-pool',
    'nopool',
    '--no-wait',
  );
  assert.equal(build.code, 1);
  assert.match(build.stderr, /agent pool 'nopool' was not found/);
  // The server's own workers never take a pool's run: still queued.
  await new Promise((r) => setTimeout(r, 700));
  const shownRun = JSON.parse(await ok(cli('acr', 'task', 'show-run', '-r', 'poolreg', '--run-id', quick.runId)));
  assert.equal(shownRun.status, 'Queued');
  // A run without a pool is still taken by the server (engine none: fails at once, but it was claimed).
  const local = JSON.parse(
    await ok(cli('acr', 'run', '-r', 'poolreg', '--cmd', 'busybox true', '/dev/null', '--no-wait')),
  );
  assert.equal(local.agentPoolName, null);
  let st = '';
  for (let i = 0; i < 50 && (st === '' || st === 'Queued'); i++) {
    st = JSON.parse(await ok(cli('acr', 'task', 'show-run', '-r', 'poolreg', '--run-id', local.runId))).status;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.notEqual(st, 'Queued');
  // Deleting the pool fails its queued runs with a reason.
  await ok(cli('acr', 'agentpool', 'delete', '-n', 'taskpool', '-r', 'poolreg', '--yes', '--no-wait'));
  const after = JSON.parse(await ok(cli('acr', 'task', 'show-run', '-r', 'poolreg', '--run-id', quick.runId)));
  assert.equal(after.status, 'Failed');
  assert.match(after.runErrorMessage, /agent pool 'taskpool' was deleted/);
});
