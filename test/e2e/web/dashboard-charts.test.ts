import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunExecutor, RunOutcome } from '../../../src/tasks/index.js';
import { DailyStats, utcDay } from '../../../src/registry/index.js';
import { startRegistryHarness, pushImage, type RegistryHarness } from '../../conformance/registry-harness.js';
import { buildDashboard, launchChromium, screenshot, signIn, waitForText, type Browser } from './browser.js';

// Issue 17 item 3: the charts' data (/dockyard/v1/aggregates: per-day pushes/pulls and storage, bytes per repository,
// runs per day by status and run durations) and the charts drawn from it on a registry's overview and its tasks.

/** Every other run fails; each takes a little while so durations are measurable. */
class AlternatingExecutor implements RunExecutor {
  n = 0;
  async execute(): Promise<RunOutcome> {
    const i = this.n++;
    await new Promise((r) => setTimeout(r, 200 + 100 * i));
    return i % 2 ? { status: 'Failed', errorMessage: 'step failed' } : { status: 'Succeeded' };
  }
}

let h: RegistryHarness;
let browser: Browser;
let regId: string;
const DAY = 86_400_000;

before(async () => {
  await buildDashboard();
  h = await startRegistryHarness({ name: 'chartsreg', serverOptions: { executor: new AlternatingExecutor() } });
  regId = `/subscriptions/${h.ts.sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/chartsreg`;
  // History from earlier days, written by the same DailyStats the data plane uses (a clock in the past).
  for (const [daysAgo, pushes, pulls, storage] of [
    [3, 2, 5, 1000],
    [2, 1, 0, 3000],
  ] as const) {
    const past = new DailyStats(
      h.ts.platform.db,
      async () => storage,
      { now: () => new Date(Date.now() - daysAgo * DAY) },
      () => undefined,
      0,
    );
    for (let i = 0; i < pushes; i++) past.pushed('chartsreg', 'manifest', 100);
    for (let i = 0; i < pulls; i++) past.pulled('chartsreg', 'manifest', 100);
    await past.close();
  }
  const auth = `Bearer ${await h.token('repository:app/web:pull,push', 'repository:app/api:pull,push')}`;
  await pushImage(h, 'app/web', 'v1', auth, [Buffer.alloc(50_000, 1)]);
  await pushImage(h, 'app/api', 'v1', auth, [Buffer.alloc(5_000, 2)]);
  const pulled = await h.fetch('/v2/app/web/manifests/v1', {
    auth,
    headers: {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  assert.equal(pulled.status, 200);
  const task = await h.ts.api(`${regId}/tasks/build?api-version=2019-06-01-preview`, {
    method: 'PUT',
    body: {
      location: 'eastus',
      properties: {
        platform: { os: 'linux' },
        step: {
          type: 'EncodedTask',
          encodedTaskContent: Buffer.from('version: v1.1.0\nsteps:\n  - cmd: hello-world\n').toString('base64'),
        },
      },
    },
  });
  assert.ok(task.status < 300, task.text);
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await h.ts.api(`${regId}/scheduleRun?api-version=2019-06-01-preview`, {
      method: 'POST',
      body: { type: 'TaskRunRequest', taskId: task.json.id },
    });
    assert.ok(r.status < 300, r.text);
    ids.push(r.json.runId);
  }
  for (const id of ids) {
    for (let i = 0; ; i++) {
      const r = await h.ts.api(`${regId}/runs/${id}?api-version=2019-06-01-preview`);
      if (['Succeeded', 'Failed'].includes(r.json.properties?.status ?? r.json.status)) break;
      assert.ok(i < 200, `run ${id} did not finish`);
      await new Promise((res) => setTimeout(res, 100));
    }
  }
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await h?.cleanup();
});

test(
  'aggregates: per-day activity with storage carried forward, bytes per repository, runs by status',
  { timeout: 60_000 },
  async () => {
    const r = await h.ts.api(`/dockyard/v1/aggregates?registry=${encodeURIComponent(regId)}&days=7`);
    assert.equal(r.status, 200, r.text);
    const a = r.json.activity as Array<{ day: string; pushes: number; pulls: number; storageBytes: number | null }>;
    assert.equal(a.length, 7);
    assert.equal(a[6].day, utcDay(new Date()));
    const day = (n: number) => a[6 - n];
    assert.deepEqual([day(3).pushes, day(3).pulls, day(3).storageBytes], [2, 5, 1000]);
    assert.deepEqual([day(2).pushes, day(2).pulls, day(2).storageBytes], [1, 0, 3000]);
    assert.deepEqual(
      [day(1).pushes, day(1).pulls, day(1).storageBytes],
      [0, 0, 3000],
      'a quiet day carries the storage',
    );
    assert.equal(day(4).storageBytes, null, 'nothing known before the first sample');
    assert.deepEqual([day(0).pushes, day(0).pulls], [2, 1]);
    const usage = await h.ts.api(`${regId}/listUsages?api-version=2023-07-01`);
    const size = usage.json.value.find((u: { name: string }) => u.name === 'Size').currentValue;
    assert.equal(day(0).storageBytes, size, "today's storage is the live usage");
    const repos = r.json.repositories as Array<{ repository: string; bytes: number }>;
    assert.deepEqual(
      repos.map((x) => x.repository),
      ['app/web', 'app/api'],
    );
    assert.ok(repos[0].bytes > 50_000 && repos[1].bytes > 5_000 && repos[1].bytes < 50_000);
    const today = utcDay(new Date());
    assert.deepEqual(
      r.json.runs.daily.filter((x: { day: string }) => x.day === today),
      [
        { day: today, status: 'Failed', count: 2 },
        { day: today, status: 'Succeeded', count: 2 },
      ],
    );
    assert.equal(r.json.runs.durations.length, 4);
    for (const d of r.json.runs.durations) assert.ok(d.seconds >= 0.15 && d.task === 'build', JSON.stringify(d));
    const other = await h.ts.api(`/dockyard/v1/aggregates?registry=${encodeURIComponent(regId)}&task=other`);
    assert.deepEqual(other.json.runs, { daily: [], durations: [] });

    // Bounded, authenticated and authorized.
    assert.equal((await h.ts.api(`/dockyard/v1/aggregates?registry=${encodeURIComponent(regId)}&days=91`)).status, 400);
    assert.equal((await h.ts.api(`/dockyard/v1/aggregates?registry=/etc/passwd`)).status, 400);
    assert.equal(
      (await fetch(`${h.ts.endpoint}/dockyard/v1/aggregates?registry=${encodeURIComponent(regId)}`)).status,
      401,
    );
    const sp = (await h.ts.api('/dockyard/v1/servicePrincipals', { method: 'POST', body: { displayName: 'nobody' } }))
      .json;
    const tok = await fetch(`${h.ts.endpoint}/${h.ts.platform.tenantId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sp.appId,
        client_secret: sp.password,
        resource: 'https://management.azure.com/',
      }),
    }).then(async (x) => ((await x.json()) as { access_token: string }).access_token);
    const denied = await h.ts.api(`/dockyard/v1/aggregates?registry=${encodeURIComponent(regId)}`, {
      headers: { authorization: `Bearer ${tok}` },
    });
    assert.equal(denied.status, 403);
  },
);

test('charts on the registry overview and the tasks tab', { timeout: 120_000 }, async () => {
  const page = await signIn(browser.context, h.ts.endpoint, { adminKey: h.ts.platform.admin.key });
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/chartsreg`);
  await page.waitForSelector('[data-testid=chart-storage] circle');
  assert.ok((await page.locator('[data-testid=chart-storage] circle').count()) >= 4);
  const bars = await page.locator('[data-testid=chart-traffic] rect title').allTextContents();
  assert.ok(
    bars.some((t) => /Pulls: 5$/.test(t)),
    bars.join('|'),
  );
  assert.ok(
    bars.some((t) => /Pushes: 2$/.test(t)),
    bars.join('|'),
  );
  const repos = await waitForText(page, '[data-testid=chart-repositories]', /app\/web/);
  assert.match(repos, /app\/web.*KiB.*app\/api/);
  await screenshot(page, '40-charts-registry');
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/chartsreg/tasks`);
  await page.waitForSelector('[data-testid=chart-runs] rect');
  const runs = await page.locator('[data-testid=chart-runs] rect title').allTextContents();
  assert.ok(runs.some((t) => /Failed: 2$/.test(t)) && runs.some((t) => /Succeeded: 2$/.test(t)), runs.join('|'));
  assert.equal(await page.locator('[data-testid=chart-durations] circle').count(), 4);
  await screenshot(page, '41-charts-tasks');
  await page.close();
});
