import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { RunExecutor, RunOutcome } from '../../../src/tasks/index.js';
import { startRegistryHarness, pushImage, type RegistryHarness } from '../../conformance/registry-harness.js';
import { cliFor } from '../../helpers/cli.js';
import { buildDashboard, launchChromium, screenshot, signIn, waitForText, type Browser } from './browser.js';

// Acting in the dashboard (issue 17 item 2): every form goes through the ARM / Key Vault / registry API with the
// signed-in principal's own token, so RBAC decides; a Reader is shown no create, edit or delete control.
/** Runs succeed after a moment (the real engine's runs are covered by dashboard-run.test.ts). */
class QuickExecutor implements RunExecutor {
  async execute(): Promise<RunOutcome> {
    await new Promise((r) => setTimeout(r, 300));
    return { status: 'Succeeded' };
  }
}

let h: RegistryHarness;
let browser: Browser;
let reader: { appId: string; password: string };

before(async () => {
  await buildDashboard();
  h = await startRegistryHarness({ name: 'formsbase', serverOptions: { executor: new QuickExecutor() } });
  const cli = cliFor(h.ts.dataDir);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await pushImage(h, 'app/web', 'v1', h.adminBasic);
  await pushImage(h, 'app/web', 'v2', h.adminBasic, [Buffer.from('two')]);
  await pushImage(h, 'app/old', 'v1', h.adminBasic, [Buffer.from('old')]);
  await ok('keyvault', 'create', '-g', 'rg1', '-n', 'formsvault');
  reader = (await h.ts.api('/dockyard/v1/servicePrincipals', { method: 'POST', body: { displayName: 'reader' } })).json;
  await ok(
    'role',
    'assignment',
    'create',
    '--assignee',
    reader.appId,
    '--scope',
    `/subscriptions/${h.ts.sub}`,
    '--role',
    'Reader',
  );
  await ok('keyvault', 'set-policy', '-n', 'formsvault', '--spn', reader.appId, '--secret-permissions', 'list');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await h?.cleanup();
});

const open = (page: Page, panel: string) => page.click(`[data-testid=${panel}] > summary`);

test(
  'create a resource group and a Premium registry with network rules, then edit it',
  { timeout: 180_000 },
  async () => {
    const page = await signIn(browser.context, h.ts.endpoint, { adminKey: h.ts.platform.admin.key });
    await open(page, 'create-group');
    await page.fill('[data-testid=create-group] input[name=name]', 'formsrg');
    await page.click('[data-testid=create-group-submit]');
    await waitForText(page, '[data-testid=groups]', /formsrg/);
    await page.reload();
    await open(page, 'create-registry');
    await page.selectOption('[data-testid=create-registry] select[name=rg]', 'formsrg');
    await page.fill('[data-testid=create-registry] input[name=name]', 'formsreg');
    await page.selectOption('[data-testid=create-registry] select[name=sku]', 'Premium');
    await page.check('[data-testid=create-registry] input[name=adminUserEnabled]');
    await page.selectOption('[data-testid=create-registry] select[name=defaultAction]', 'Deny');
    await page.fill('[data-testid=create-registry] input[name=ipRules]', '127.0.0.1 203.0.113.0/24');
    await page.selectOption('[data-testid=create-registry] select[name=trustedServices]', 'None');
    await screenshot(page, '30-form-create-registry');
    await page.click('[data-testid=create-registry-submit]');
    const props = await waitForText(page, '[data-testid=registry-properties]', /formsreg|Premium/);
    assert.match(props, /SKUPremium/);
    assert.match(props, /Admin userEnabled/);
    assert.match(props, /Network default actionDeny/);
    assert.match(props, /127\.0\.0\.1.*203\.0\.113\.0\/24/);
    assert.match(props, /Trusted services bypassNone/);
    // The API has the same registry.
    const reg = await h.ts.api(
      `/subscriptions/${h.ts.sub}/resourceGroups/formsrg/providers/Microsoft.ContainerRegistry/registries/formsreg?api-version=2023-07-01`,
    );
    assert.equal(reg.json.networkRuleSet.defaultAction, 'Deny');
    // Edit: public access off.
    await open(page, 'update-registry');
    await page.selectOption('[data-testid=update-registry] select[name=publicNetworkAccess]', 'Disabled');
    await page.click('[data-testid=update-registry-submit]');
    await waitForText(page, '[data-testid=registry-properties]', /Public network accessDisabled/);
    await screenshot(page, '31-form-registry-updated');
    await page.close();
  },
);

test('create an identity and give it a role on a registry', { timeout: 120_000 }, async () => {
  const page = await signIn(browser.context, h.ts.endpoint, { adminKey: h.ts.platform.admin.key });
  await page.click('header >> text=Identities');
  await open(page, 'create-identity');
  await page.selectOption('[data-testid=create-identity] select[name=rg]', 'rg1');
  await page.fill('[data-testid=create-identity] input[name=name]', 'pusher-id');
  await page.click('[data-testid=create-identity-submit]');
  await waitForText(page, '[data-testid=identities]', /pusher-id/);
  const mi = (
    await h.ts.api(
      `/subscriptions/${h.ts.sub}/resourceGroups/rg1/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pusher-id?api-version=2023-01-31`,
    )
  ).json;
  const regId = `/subscriptions/${h.ts.sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/formsbase`;
  await open(page, 'create-assignment');
  await page.fill(
    '[data-testid=create-assignment] input[name=principal]',
    mi.properties?.principalId ?? mi.principalId,
  );
  await page.selectOption('[data-testid=create-assignment] select[name=role]', { label: 'AcrPush' });
  await page.fill('[data-testid=create-assignment] input[name=scope]', regId);
  await screenshot(page, '32-form-role-assignment');
  await page.click('[data-testid=create-assignment-submit]');
  const ras = await waitForText(page, '[data-testid=role-assignments]', /pusher-id/);
  assert.match(
    ras,
    /pusher-id \(UserAssigned identity\)\s*ServicePrincipal\s*AcrPush\s*\/subscriptions\/[^/]+\/resourceGroups\/rg1\/providers\/Microsoft\.ContainerRegistry\/registries\/formsbase/,
  );
  await page.close();
});

test(
  'a task YAML is validated as it is typed: the error at its line, then fixed and saved',
  { timeout: 120_000 },
  async () => {
    const page = await signIn(browser.context, h.ts.endpoint, { adminKey: h.ts.platform.admin.key });
    await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/formsbase/tasks`);
    await open(page, 'create-task');
    await page.fill('[data-testid=create-task] input[name=name]', 'nightly');
    await page.fill('[data-testid=yaml-editor]', 'version: v1.1.0\nsteps:\n  - cmd: hello-world\n    timeout: abc\n');
    const issues = await waitForText(page, '[data-testid=yaml-issues]', /line 4/);
    assert.match(issues, /line 4, column 14: timeout: cannot unmarshal "abc" into int/);
    assert.equal(await page.textContent('[data-testid=bad-line]'), '4');
    assert.equal(await page.isDisabled('[data-testid=create-task-submit]'), true);
    await screenshot(page, '33-form-task-invalid-yaml');
    await page.fill('[data-testid=yaml-editor]', 'version: v1.1.0\nsteps:\n  - cmd: hello-world\n    timeout: 60\n');
    await waitForText(page, '[data-testid=yaml-issues]', /valid task file/);
    assert.equal(await page.locator('[data-testid=bad-line]').count(), 0);
    await page.selectOption('[data-testid=create-task] select[name=identity]', '[system]');
    await page.fill('[data-testid=create-task] input[name=schedule]', '0 2 * * *');
    await page.click('[data-testid=create-task-submit]');
    const task = await waitForText(page, '[data-testid=task]', /nightly/);
    assert.match(task, /SystemAssigned/);
    assert.match(task, /t1: 0 2 \* \* \* \(Enabled\)/);
    assert.match(task, /timeout: 60/);
    await screenshot(page, '34-form-task-created');
    // Edit it (a PATCH of what the form shows): a new schedule, the identity kept.
    await open(page, 'update-task');
    assert.match(await page.inputValue('[data-testid=update-task] [data-testid=yaml-editor]'), /timeout: 60/);
    await page.fill('[data-testid=update-task] input[name=schedule]', '30 3 * * *');
    await waitForText(page, '[data-testid=update-task] [data-testid=yaml-issues]', /valid task file/);
    await page.click('[data-testid=update-task-submit]');
    await waitForText(page, '[data-testid=task]', /t1: 30 3 \* \* \* \(Enabled\)/);
    const saved = (
      await h.ts.api(
        `/subscriptions/${h.ts.sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/formsbase/tasks/nightly?api-version=2019-06-01-preview`,
      )
    ).json;
    assert.equal(saved.identity.type, 'SystemAssigned');
    assert.equal((saved.properties ?? saved).trigger.timerTriggers[0].schedule, '30 3 * * *');
    // And run it from its page.
    await page.click('[data-testid=run-task]');
    await waitForText(page, '[data-testid=run-status]', /Succeeded/);
    await page.close();
  },
);

test('set a secret, add a new version, list the versions', { timeout: 120_000 }, async () => {
  const page = await signIn(browser.context, h.ts.endpoint, { adminKey: h.ts.platform.admin.key });
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/vaults/formsvault`);
  for (const value of ['first-value', 'second-value']) {
    await open(page, 'set-secret');
    await page.fill('[data-testid=set-secret] input[name=secretName]', 'api-key');
    await page.fill('[data-testid=set-secret] input[name=secretValue]', value);
    await page.click('[data-testid=set-secret-submit]');
    await waitForText(page, '[data-testid=secrets]', /api-key/);
    await page.reload();
  }
  await page.waitForSelector('[data-testid=secret-masked-api-key]');
  assert.doesNotMatch(await page.content(), /second-value/);
  await page.click('[data-testid=versions-api-key]');
  await waitForText(page, '[data-testid=secret-versions-api-key]', /Yes[\s\S]*Yes/);
  assert.equal(await page.locator('[data-testid=secret-versions-api-key] tbody tr').count(), 2);
  await page.click('[data-testid=reveal-api-key]');
  assert.equal(await waitForText(page, '[data-testid=secret-value-api-key]', /./), 'second-value');
  await screenshot(page, '35-form-secret-versions');
  await page.close();
});

test('delete a tag; the other tag stays', { timeout: 120_000 }, async () => {
  const page = await signIn(browser.context, h.ts.endpoint, { adminKey: h.ts.platform.admin.key });
  page.on('dialog', (d) => void d.accept());
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/formsbase/repositories/app%2Fweb`);
  await waitForText(page, '[data-testid=tags]', /v2/);
  await page.click('[data-testid=delete-tag-v1]');
  for (let i = 0; (await page.locator('[data-testid=delete-tag-v1]').count()) > 0; i++) {
    assert.ok(i < 100, 'the tag row went away');
    await new Promise((r) => setTimeout(r, 100));
  }
  const tags = await waitForText(page, '[data-testid=tags]', /v2/);
  assert.doesNotMatch(tags, /\bv1\b/);
  const listed = await h.fetch('/acr/v1/app/web/_tags', { auth: h.adminBasic });
  assert.deepEqual(
    ((await listed.json()) as { tags: Array<{ name: string }> }).tags.map((t) => t.name),
    ['v2'],
  );
  await screenshot(page, '36-form-tag-deleted');
  // A manifest deleted from its page takes its tags with it.
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/formsbase/repositories/app%2Fold/manifests/v1`);
  await page.waitForSelector('[data-testid=manifest-digest]');
  await page.click('[data-testid=delete-manifest]');
  await waitForText(page, 'main', /No tags\./);
  const gone = await h.fetch('/v2/app/old/manifests/v1', { auth: h.adminBasic });
  assert.equal(gone.status, 404);
  await page.close();
});

test('a Reader sees everything and no create, edit or delete control', { timeout: 120_000 }, async () => {
  const page = await signIn(browser.context, h.ts.endpoint, { appId: reader.appId, secret: reader.password });
  const none = async (where: string, ...ids: string[]) => {
    for (const id of ids) assert.equal(await page.locator(`[data-testid^=${id}]`).count(), 0, `${where}: ${id}`);
  };
  await waitForText(page, '[data-testid=registries]', /formsbase/);
  await waitForText(page, '[data-testid=groups]', /rg1/);
  await none('overview', 'create-group', 'create-registry', 'delete-group-');
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/formsbase`);
  await waitForText(page, '[data-testid=registry-properties]', /Premium/);
  await none('registry', 'update-registry', 'delete-registry');
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/formsbase/tasks`);
  await waitForText(page, '[data-testid=tasks]', /nightly/);
  await none('tasks', 'create-task');
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/formsbase/tasks/nightly`);
  await waitForText(page, '[data-testid=task]', /nightly/);
  await none('task', 'update-task', 'delete-task', 'run-task');
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/registries/formsbase/repositories/app%2Fweb`);
  await waitForText(page, '[data-testid=tags]', /v2/);
  await none('tags', 'delete-tag-');
  await page.goto(`${h.ts.endpoint}/dashboard/#/identities`);
  await waitForText(page, '[data-testid=identities]', /pusher-id/);
  await none('identities', 'create-identity', 'create-assignment', 'delete-identity-', 'delete-assignment-');
  await page.goto(`${h.ts.endpoint}/dashboard/#/rg/rg1/vaults/formsvault`);
  await waitForText(page, '[data-testid=secrets]', /api-key/);
  await none('vault', 'set-secret');
  await screenshot(page, '37-reader-no-controls');
  // Hiding is cosmetic: the API refuses the Reader anyway.
  const tok = await fetch(`${h.ts.endpoint}/${h.ts.platform.tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: reader.appId,
      client_secret: reader.password,
      resource: 'https://management.azure.com/',
    }),
  }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
  const refused = await h.ts.api(`/subscriptions/${h.ts.sub}/resourcegroups/readerrg?api-version=2021-04-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
    headers: { authorization: `Bearer ${tok}` },
  });
  assert.equal(refused.status, 403);
  await page.close();
});
