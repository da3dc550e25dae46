import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { startReceiver } from '../webhooks/receiver.js';

let s: TestServer;
let regId: string;
const REGV = 'api-version=2025-04-01';
const HOOKV = 'api-version=2022-02-01-preview';
const POOLV = 'api-version=2019-06-01-preview';

before(async () => {
  // Pages of 2, so a handful of resources spans several pages.
  s = await startTestServer({ armPageSize: 2 });
  await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?api-version=2022-09-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  const reg = await s.api(
    `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/listreg?${REGV}`,
    { method: 'PUT', body: { location: 'eastus', sku: { name: 'Premium' } } },
  );
  assert.equal(reg.status, 201, reg.text);
  regId = reg.json.id;
});
after(async () => {
  await s.cleanup();
});

/** Follows nextLink (GET) from a first page; returns every item and the page count. */
async function walk(first: { status: number; json: any; text: string }): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let page = first;
  for (let pages = 1; ; pages++) {
    assert.equal(page.status, 200, page.text);
    items.push(...page.json.value);
    const next: string | undefined = page.json.nextLink;
    if (!next) return { items, pages };
    assert.ok(next.startsWith(`${s.endpoint}${regId}/`), next);
    assert.match(next, /[?&]\$skipToken=/);
    assert.equal(page.json.value.length, 2);
    page = await s.api(next.slice(s.endpoint.length));
  }
}

test('scope maps, tokens, webhooks, agent pools and webhook events page with nextLink; the CLI follows it', async () => {
  const put = async (path: string, v: string, body: unknown) => {
    const r = await s.api(`${regId}/${path}?${v}`, { method: 'PUT', body });
    assert.ok(r.status === 200 || r.status === 201, `${path}: ${r.status} ${r.text}`);
  };
  for (let i = 0; i < 3; i++) {
    await put(`scopeMaps/scopemap${i}`, REGV, { properties: { actions: [`repositories/app${i}/content/read`] } });
    await put(`tokens/token${i}`, REGV, { properties: { scopeMapId: `${regId}/scopeMaps/scopemap${i}` } });
    await put(`agentPools/agentpool${i}`, POOLV, { location: 'eastus' });
  }
  const rx = await startReceiver();
  try {
    for (let i = 0; i < 3; i++)
      await put(`webhooks/webhook${i}`, HOOKV, {
        location: 'eastus',
        properties: { serviceUri: rx.url, actions: ['push'] },
      });
    for (let i = 0; i < 5; i++) {
      const ping = await s.api(`${regId}/webhooks/webhook0/ping?${HOOKV}`, { method: 'POST' });
      assert.equal(ping.status, 200, ping.text);
    }
  } finally {
    await rx.close();
  }

  const maps = await walk(await s.api(`${regId}/scopeMaps?${REGV}`));
  const names = maps.items.map((m) => m.name);
  assert.equal(new Set(names).size, names.length, 'no item on two pages');
  for (let i = 0; i < 3; i++) assert.ok(names.includes(`scopemap${i}`), names.join());
  assert.ok(maps.pages >= 2);
  const tokens = await walk(await s.api(`${regId}/tokens?${REGV}`));
  assert.deepEqual(tokens.items.map((t) => t.name).sort(), ['token0', 'token1', 'token2']);
  assert.equal(tokens.pages, 2);
  const hooks = await walk(await s.api(`${regId}/webhooks?${HOOKV}`));
  assert.deepEqual(hooks.items.map((h) => h.name).sort(), ['webhook0', 'webhook1', 'webhook2']);
  const pools = await walk(await s.api(`${regId}/agentPools?${POOLV}`));
  assert.deepEqual(pools.items.map((p) => p.name).sort(), ['agentpool0', 'agentpool1', 'agentpool2']);

  // listEvents: POST for the first page, GET for the next ones; newest first, no overlap.
  const events = await walk(await s.api(`${regId}/webhooks/webhook0/listEvents?${HOOKV}`, { method: 'POST' }));
  assert.equal(events.pages, 3);
  const ids = events.items.map((e) => e.id);
  assert.equal(new Set(ids).size, 5);
  const bad = await s.api(`${regId}/webhooks/webhook0/listEvents?${HOOKV}&$skipToken=garbage!`, { method: 'POST' });
  assert.equal(bad.status, 400, bad.text);

  const cli = cliFor(s.dataDir);
  for (const [args, n] of [
    [['acr', 'token', 'list', '-r', 'listreg'], 3],
    [['acr', 'webhook', 'list', '-r', 'listreg'], 3],
    [['acr', 'webhook', 'list-events', '-r', 'listreg', '-n', 'webhook0'], 5],
    [['acr', 'agentpool', 'list', '-r', 'listreg'], 3],
  ] as const) {
    const r = await cli(...args, '-o', 'json');
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(JSON.parse(r.stdout).length, n, args.join(' '));
  }
  const sm = await cli('acr', 'scope-map', 'list', '-r', 'listreg', '-o', 'json');
  assert.equal(sm.code, 0, sm.stderr);
  assert.equal(JSON.parse(sm.stdout).length, maps.items.length);
});
