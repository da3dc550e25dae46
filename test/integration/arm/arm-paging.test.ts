import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';

let s: TestServer;
const RV = 'api-version=2022-09-01';
const REGV = 'api-version=2025-04-01';
const IDV = 'api-version=2023-01-31';
const TASKV = 'api-version=2019-06-01-preview';

before(async () => {
  // Pages of 2, so a handful of resources spans several pages.
  s = await startTestServer({ armPageSize: 2 });
  assert.equal(
    (await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?${RV}`, { method: 'PUT', body: { location: 'eastus' } }))
      .status,
    201,
  );
});
after(async () => {
  await s.cleanup();
});

/** Follows nextLink from `path`; returns every item and the page count, checking each nextLink's form. */
async function walk(path: string): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let pages = 0;
  let next: string | undefined = path;
  while (next) {
    const r = await s.api(next.startsWith('http') ? next.slice(s.endpoint.length) : next);
    assert.equal(r.status, 200, r.text);
    items.push(...r.json.value);
    pages++;
    next = r.json.nextLink;
    if (next) {
      assert.ok(next.startsWith(`${s.endpoint}/subscriptions/`), next);
      assert.match(next, /[?&]\$skipToken=/);
      assert.match(next, /api-version=/);
      assert.equal(r.json.value.length, 2);
    }
  }
  return { items, pages };
}

test('ARM lists page with an absolute nextLink ($skipToken): identities, registries, groups, role assignments', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await s.api(
      `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id${i}?${IDV}`,
      { method: 'PUT', body: { location: 'eastus' } },
    );
    assert.ok(r.status === 200 || r.status === 201, r.text);
  }
  for (let i = 0; i < 3; i++) {
    const r = await s.api(
      `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/pagereg${i}?${REGV}`,
      { method: 'PUT', body: { location: 'eastus', sku: { name: 'Basic' } } },
    );
    assert.ok(r.status === 200 || r.status === 201, r.text);
  }
  const ids = await walk(
    `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities?${IDV}`,
  );
  assert.equal(ids.pages, 3);
  assert.deepEqual(ids.items.map((i) => i.name).sort(), ['id0', 'id1', 'id2', 'id3', 'id4']);
  const regs = await walk(`/subscriptions/${s.sub}/providers/Microsoft.ContainerRegistry/registries?${REGV}`);
  assert.equal(regs.pages, 2);
  assert.equal(new Set(regs.items.map((r) => r.name)).size, 3);
  for (const g of ['rg2', 'rg3'])
    await s.api(`/subscriptions/${s.sub}/resourcegroups/${g}?${RV}`, { method: 'PUT', body: { location: 'eastus' } });
  assert.equal((await walk(`/subscriptions/${s.sub}/resourcegroups?${RV}`)).items.length, 3);
  const defs = await walk(
    `/subscriptions/${s.sub}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01`,
  );
  assert.ok(defs.pages > 1 && new Set(defs.items.map((d) => d.id)).size === defs.items.length);
  assert.equal((await s.api(`/subscriptions/${s.sub}/resourcegroups?${RV}&$skipToken=garbage!`)).status, 400);
});

test('runs list: pages newest first without overlap; $top caps the total across pages; the CLI follows nextLink', async () => {
  const reg = (
    await s.api(
      `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/pagereg0?${REGV}`,
    )
  ).json;
  const info = { id: reg.id, name: reg.name, resourceGroup: 'rg' };
  const step = {
    type: 'EncodedTask',
    contextPath: null,
    contextAccessToken: null,
    encodedTaskContent: Buffer.from('steps:\n  - cmd: busybox true\n').toString('base64'),
    encodedValuesContent: null,
    values: [],
    baseImageDependencies: null,
  } as never;
  for (let i = 0; i < 7; i++) await s.platform.tasks.scheduler.quickRun(info, { step });
  const base = `${reg.id}/runs?${TASKV}`;
  const all = await walk(base);
  assert.equal(all.pages, 4);
  const ids = all.items.map((r) => r.runId);
  assert.equal(new Set(ids).size, 7);
  assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
  const top = await walk(`${base}&$top=5`);
  assert.equal(top.items.length, 5);
  assert.deepEqual(
    top.items.map((r) => r.runId),
    ids.slice(0, 5),
  );
  assert.equal((await s.api(`${base}&$top=0`)).status, 400);

  const cli = cliFor(s.dataDir);
  const runs = await cli('acr', 'task', 'list-runs', '-r', 'pagereg0', '--top', '6', '-o', 'json');
  assert.equal(runs.code, 0, runs.stderr);
  assert.deepEqual(
    JSON.parse(runs.stdout).map((r: any) => r.runId),
    ids.slice(0, 6),
  );
  const idl = await cli('identity', 'list', '-g', 'rg', '-o', 'json');
  assert.equal(idl.code, 0, idl.stderr);
  assert.equal(JSON.parse(idl.stdout).length, 5);
  const acrs = await cli('acr', 'list', '-o', 'json');
  assert.equal(acrs.code, 0, acrs.stderr);
  assert.equal(JSON.parse(acrs.stdout).length, 3);
  const shown = await cli('acr', 'show', '-n', 'pagereg2', '--query', 'name', '-o', 'tsv');
  assert.equal(shown.stdout.trim(), 'pagereg2', 'finding a registry by name looks through every page');
});
