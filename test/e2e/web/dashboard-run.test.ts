import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { makeGitRepo } from '../../helpers/git-context.js';
import { buildDashboard, launchChromium, screenshot, signIn, waitForText, type Browser } from './browser.js';

// The dashboard on the real engine: an admin starts a task from the page and watches its live log; the pushed tag
// (the run ID) shows on the tags page; a Reader sees the task but no Run button.
let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let work: string;
let browser: Browser;
let registryId: string;
let reader: { appId: string; password: string };
let firstRunId = '';

before(async () => {
  await buildDashboard();
  work = mkdtempSync(join(tmpdir(), 'dockyard-web-run-'));
  s = await startTestServer({ engine: 'docker' });
  cli = cliFor(s.dataDir);
  const repo = makeGitRepo(join(work, 'ctx'), {
    'acb.yaml': [
      'version: v1.1.0',
      'steps:',
      '  - build: -t {{.Run.Registry}}/hello-world:{{.Run.ID}} -f hello-world.dockerfile .',
      '  - push: ["{{.Run.Registry}}/hello-world:{{.Run.ID}}"]',
      '',
    ].join('\n'),
    'hello-world.dockerfile': 'FROM hello-world\n',
  });
  assert.equal((await cli('group', 'create', '--name', 'webrg', '--location', 'eastus')).code, 0);
  // The registry is created through the API, as the issue asks.
  const put = await s.api(
    `/subscriptions/${s.sub}/resourceGroups/webrg/providers/Microsoft.ContainerRegistry/registries/webreg?api-version=2023-07-01`,
    { method: 'PUT', body: { location: 'eastus', sku: { name: 'Premium' } } },
  );
  assert.ok(put.status === 200 || put.status === 201, put.text);
  registryId = put.json.id;
  const task = await cli(
    'acr',
    'task',
    'create',
    '--registry',
    'webreg',
    '--name',
    'hello',
    '--context',
    `file://${repo.path}`,
    '--file',
    'acb.yaml',
    '--commit-trigger-enabled',
    'false',
    '--pull-request-trigger-enabled',
    'false',
  );
  assert.equal(task.code, 0, task.stderr);
  const sp = await s.api('/dockyard/v1/servicePrincipals', { method: 'POST', body: { displayName: 'web-reader' } });
  assert.equal(sp.status, 201, sp.text);
  reader = sp.json;
  const ra = await cli(
    'role',
    'assignment',
    'create',
    '--assignee',
    reader.appId,
    '--scope',
    registryId,
    '--role',
    'Reader',
  );
  assert.equal(ra.code, 0, ra.stderr);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await s?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

test(
  'an admin runs a task from the dashboard and watches the live log; the tag shows the run ID',
  { timeout: 300_000 },
  async () => {
    const page = await signIn(browser.context, s.endpoint, { adminKey: s.platform.admin.key });
    await page.waitForSelector('[data-testid=registries] >> text=webreg');
    await screenshot(page, '01-registries');
    await page.click('[data-testid=registries] >> text=webreg');
    await page.waitForSelector('[data-testid=registry-properties]');
    const props = await page.textContent('[data-testid=registry-properties]');
    assert.match(props!, /Premium/);
    assert.match(props!, /127\.0\.0\.1:\d+/);
    assert.match(props!, /AzureServices/);

    await page.click('.tabs-nav >> text=Tasks');
    await page.click('[data-testid=tasks] >> text=hello');
    await page.waitForSelector('[data-testid=task]');
    assert.match((await page.textContent('[data-testid=task]'))!, /acb\.yaml/);
    await page.click('[data-testid=run-task]');

    // The page moves to the run and streams its log while it runs.
    await page.waitForURL(/#\/rg\/webrg\/registries\/webreg\/runs\/\w+$/);
    const runId = decodeURIComponent(page.url().split('/').pop()!);
    assert.match(runId, /^[a-z]{2,3}\d+$/);
    firstRunId = runId;
    // The first lines arrive while the run is still going on: the page follows the log stream, not a final fetch.
    await waitForText(page, '[data-testid=run-log]', /^(?!Waiting for output…$)[\s\S]+$/, 120_000);
    const midway = await page.getAttribute('[data-testid=run-log]', 'data-complete');
    assert.equal(midway, 'false');
    const log = await waitForText(page, '[data-testid=run-log]', /was successful after/, 240_000);
    assert.match(log, new RegExp(`Run ID: ${runId} was successful after \\d+s`));
    assert.match(log, /Successfully tagged .*hello-world/);
    await waitForText(page, '[data-testid=run-status]', /^Succeeded$/);
    await page.waitForSelector('[data-testid=run-log][data-complete=true]');
    await screenshot(page, '02-run-live-log');

    // Runs list and the tags page.
    await page.click('.tabs-nav >> text=Runs');
    await page.waitForSelector(`[data-testid=runs] >> text=${runId}`);
    assert.match((await page.textContent('[data-testid=runs]'))!, /Succeeded/);
    await page.click('.tabs-nav >> text=Repositories');
    await page.click('[data-testid=repositories] >> text=hello-world');
    await page.waitForSelector(`[data-testid=tags] >> text=${runId}`);
    await screenshot(page, '03-tags');
    await page.click(`[data-testid=tags] a:text-is("${runId}")`);
    await page.waitForSelector('[data-testid=layers]');
    const manifest = (await page.textContent('[data-testid=manifest]'))!;
    assert.match(manifest, /sha256:[0-9a-f]{64}/);
    assert.match(manifest, /\d+(\.\d+)? (B|KiB|MiB)/);
    await screenshot(page, '04-manifest');
    await page.close();
  },
);

test(
  'a Reader sees the registry and the task but no Run button, and the API refuses the run',
  { timeout: 120_000 },
  async () => {
    const page = await signIn(browser.context, s.endpoint, { appId: reader.appId, secret: reader.password });
    await page.goto(`${s.endpoint}/dashboard/#/rg/webrg/registries/webreg/tasks/hello`);
    await page.waitForSelector('[data-testid=task]');
    await page.waitForSelector('[data-testid=run-hidden]');
    assert.equal(await page.locator('[data-testid=run-task]').count(), 0);
    assert.equal(await page.locator('[data-testid=delete-task]').count(), 0);
    // The task's recent runs are visible to a Reader; the run's log is not (listLogSasUrl is an action, not a read).
    assert.match(await waitForText(page, '[data-testid=runs]', new RegExp(firstRunId)), /Succeeded/);
    await screenshot(page, '05-reader-task');
    await page.click(`[data-testid=runs] >> text=${firstRunId}`);
    await waitForText(page, '[data-testid=run-status]', /^Succeeded$/);
    await page.waitForSelector("text=You may not read this run's log.");
    assert.equal(await page.locator('[data-testid=run-log]').count(), 0);
    await page.close();

    const tok = await fetch(`${s.endpoint}/${s.platform.tenantId}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: reader.appId,
        client_secret: reader.password,
        resource: 'https://management.azure.com/',
      }),
    }).then((r) => r.json() as Promise<{ access_token: string }>);
    const auth = { authorization: `Bearer ${tok.access_token}` };
    const perms = await s.api(`/dockyard/v1/permissions?scope=${encodeURIComponent(registryId)}`, { headers: auth });
    assert.equal(perms.status, 200);
    assert.equal(perms.json.allowed['Microsoft.ContainerRegistry/registries/scheduleRun/action'], false);
    assert.equal(perms.json.allowed['Microsoft.ContainerRegistry/registries/read'], true);
    const run = await s.api(`${registryId}/scheduleRun?api-version=2019-06-01-preview`, {
      method: 'POST',
      headers: auth,
      body: { type: 'TaskRunRequest', taskId: `${registryId}/tasks/hello` },
    });
    assert.equal(run.status, 403);
  },
);

test('an admin cancels a running task from its run page', { timeout: 180_000 }, async () => {
  const page = await signIn(browser.context, s.endpoint, { adminKey: s.platform.admin.key });
  await page.goto(`${s.endpoint}/dashboard/#/rg/webrg/registries/webreg/tasks/hello`);
  await page.click('[data-testid=run-task]');
  await page.waitForURL(/#\/rg\/webrg\/registries\/webreg\/runs\/\w+$/);
  await page.click('[data-testid=cancel-run]');
  await waitForText(page, '[data-testid=run-status]', /^Canceled$/, 60_000);
  await page.waitForSelector('[data-testid=run-log][data-complete=true]', { timeout: 60_000 });
  assert.equal(await page.locator('[data-testid=cancel-run]').count(), 0);
  assert.doesNotMatch((await page.textContent('[data-testid=run-log]'))!, /was successful/);
  await page.close();
});
