import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { buildDashboard, launchChromium, screenshot, signIn, waitForText, type Browser } from './browser.js';

// Identities, role assignments and Key Vault secrets in the dashboard: values stay masked until a principal allowed
// to read them asks; a principal with only `list` sees the names and a refusal.
const SECRET = 'S3cret-value-for-the-dashboard';
let s: TestServer;
let browser: Browser;
let auditor: { appId: string; password: string; objectId: string };

before(async () => {
  await buildDashboard();
  s = await startTestServer();
  const cli = cliFor(s.dataDir);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await ok('group', 'create', '--name', 'accessrg', '--location', 'eastus');
  const reg = JSON.parse(await ok('acr', 'create', '-g', 'accessrg', '-n', 'accessreg', '--sku', 'Standard'));
  const mi = JSON.parse(await ok('identity', 'create', '-g', 'accessrg', '-n', 'builder-id'));
  await ok('role', 'assignment', 'create', '--assignee', mi.principalId, '--scope', reg.id, '--role', 'AcrPull');
  await ok('keyvault', 'create', '-g', 'accessrg', '-n', 'dashvault');
  await ok('keyvault', 'secret', 'set', '--vault-name', 'dashvault', '--name', 'db-password', '--value', SECRET);
  auditor = (await s.api('/dockyard/v1/servicePrincipals', { method: 'POST', body: { displayName: 'auditor' } })).json;
  await ok(
    'role',
    'assignment',
    'create',
    '--assignee',
    auditor.appId,
    '--scope',
    `/subscriptions/${s.sub}/resourceGroups/accessrg`,
    '--role',
    'Reader',
  );
  await ok('keyvault', 'set-policy', '-n', 'dashvault', '--spn', auditor.appId, '--secret-permissions', 'list');
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await s?.cleanup();
});

test('identities and their role assignments, with role and principal names', { timeout: 120_000 }, async () => {
  const page = await signIn(browser.context, s.endpoint, { adminKey: s.platform.admin.key });
  await page.click('header >> text=Identities');
  const ids = await waitForText(page, '[data-testid=identities]', /builder-id/);
  assert.match(ids, /builder-id\s*accessrg/);
  const ras = await waitForText(page, '[data-testid=role-assignments]', /AcrPull/);
  assert.match(
    ras,
    /builder-id \(UserAssigned identity\)\s*ServicePrincipal\s*AcrPull\s*\/subscriptions\/[^/]+\/resourceGroups\/accessrg\/providers\/Microsoft\.ContainerRegistry\/registries\/accessreg/,
  );
  assert.match(ras, /auditor \(ServicePrincipal\)\s*ServicePrincipal\s*Reader/);
  assert.match(ras, /Owner/);
  await screenshot(page, '06-identities');
  await page.close();
});

test('an allowed principal reveals a masked secret on request', { timeout: 120_000 }, async () => {
  const page = await signIn(browser.context, s.endpoint, { adminKey: s.platform.admin.key });
  await page.click('header >> text=Key vaults');
  await page.click('[data-testid=vaults] >> text=dashvault');
  await page.waitForSelector('[data-testid=secret-masked-db-password]');
  assert.doesNotMatch(await page.content(), new RegExp(SECRET));
  await screenshot(page, '07-vault-masked');
  await page.click('[data-testid=reveal-db-password]');
  assert.equal(await waitForText(page, '[data-testid=secret-value-db-password]', /./), SECRET);
  await screenshot(page, '08-vault-revealed');
  await page.close();
});

test('a principal with only the list permission sees names, never values', { timeout: 120_000 }, async () => {
  const page = await signIn(browser.context, s.endpoint, { appId: auditor.appId, secret: auditor.password });
  assert.equal(
    await page.textContent('[data-testid=signed-in-as] >> nth=0').then((t) => /auditor/.test(t ?? '')),
    true,
  );
  await page.goto(`${s.endpoint}/dashboard/#/rg/accessrg/vaults/dashvault`);
  await page.waitForSelector('[data-testid=secret-masked-db-password]');
  await page.click('[data-testid=reveal-db-password]');
  const err = await waitForText(page, '[data-testid=secrets] [role=alert]', /Forbidden/);
  assert.match(err, /get/);
  assert.equal(await page.locator('[data-testid=secret-value-db-password]').count(), 0);
  assert.doesNotMatch(await page.content(), new RegExp(SECRET));
  await screenshot(page, '09-vault-forbidden');
  // The registry list shows only what RBAC lets the auditor read (Reader on the group).
  await page.goto(`${s.endpoint}/dashboard/#/`);
  await waitForText(page, '[data-testid=registries]', /accessreg/);
  await page.close();
});
