import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRegistryHarness, pushImage, type RegistryHarness } from '../../conformance/registry-harness.js';
import { cliFor } from '../../helpers/cli.js';
import { buildDashboard, launchChromium, screenshot, signIn, waitForText, type Browser } from './browser.js';

// Issue 16 in the dashboard (read-only): tokens and scope maps, webhooks with their recent deliveries, repository and
// tag locks, the retention policy and the usage rows (`acr show-usage`), all read with the caller's own token.
let h: RegistryHarness;
let browser: Browser;
let receiver: Server;
const received: string[] = [];

before(async () => {
  await buildDashboard();
  h = await startRegistryHarness({ name: 'extrasreg' });
  receiver = createServer((req, res) => {
    req.on('data', (c: Buffer) => received.push(c.toString()));
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const cli = cliFor(h.ts.dataDir);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const port = (receiver.address() as AddressInfo).port;
  await ok(
    'acr',
    'webhook',
    'create',
    '-r',
    h.name,
    '-n',
    'cihook',
    '--uri',
    `http://127.0.0.1:${port}/hook`,
    '--actions',
    'push',
  );
  await ok(
    'acr',
    'scope-map',
    'create',
    '-r',
    h.name,
    '-n',
    'app-map',
    '--repository',
    'app/web',
    'content/read',
    'content/write',
  );
  await ok('acr', 'token', 'create', '-r', h.name, '-n', 'ci-token', '--scope-map', 'app-map');
  await pushImage(h, 'app/web', 'v1', h.adminBasic);
  await ok(
    'acr',
    'repository',
    'update',
    '-n',
    h.name,
    '--image',
    'app/web:v1',
    '--write-enabled',
    'false',
    '--delete-enabled',
    'false',
  );
  await ok(
    'acr',
    'config',
    'retention',
    'update',
    '-r',
    h.name,
    '--status',
    'enabled',
    '--days',
    '3',
    '--type',
    'UntaggedManifests',
  );
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  receiver?.close();
  await h?.cleanup();
});

test('tokens, scope maps, webhooks with deliveries, locks, retention and usage', { timeout: 180_000 }, async () => {
  const page = await signIn(browser.context, h.ts.endpoint, { adminKey: h.ts.platform.admin.key });
  const reg = `${h.ts.endpoint}/dashboard/#/rg/rg1/registries/${h.name}`;
  await page.goto(reg);
  const props = await waitForText(page, '[data-testid=registry-properties]', /Retention/);
  assert.match(props, /Retention \(untagged manifests\)Enabled: deleted after 3 days/);
  const usage = await waitForText(page, '[data-testid=usage]', /Tokens/);
  assert.match(usage, /ScopeMaps1\s*50000/);
  assert.match(usage, /Tokens1\s*50000/);
  assert.match(usage, /Webhooks1\s*500/);
  await screenshot(page, '20-registry-usage');

  await page.goto(`${reg}/tokens`);
  const tokens = await waitForText(page, '[data-testid=tokens]', /ci-token/);
  assert.match(tokens, /ci-token\s*app-map\s*enabled/i);
  const maps = await waitForText(page, '[data-testid=scope-maps]', /app-map/);
  assert.match(maps, /repositories\/app\/web\/content\/write/);
  assert.match(maps, /_repositories_pull\s*SystemDefined/);
  await screenshot(page, '21-registry-tokens');

  // The push reached the receiver; the page lists the delivery with its response.
  const deadline = Date.now() + 30_000;
  while (!received.some((b) => b.includes('"push"')) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  assert.ok(
    received.some((b) => b.includes('"push"')),
    'the receiver got the push event',
  );
  await page.goto(`${reg}/webhooks`);
  await waitForText(page, '[data-testid=webhooks]', /cihook\s*enabled\s*push/i);
  for (let i = 0; ; i++) {
    await page.click('[data-testid=webhook-cihook]');
    const events = await waitForText(page, '[data-testid=webhook-events], [data-testid=webhooks-page] p.muted', /./);
    if (/push\s*app\/web:v1\s*POST http:\/\/127\.0\.0\.1:\d+\/hook\s*200 OK/.test(events)) break;
    assert.ok(i < 20, `deliveries: ${events}`);
    await page.goto(`${reg}/webhooks`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await screenshot(page, '22-registry-webhooks');

  await page.goto(`${reg}/repositories/app%2Fweb`);
  assert.equal(await waitForText(page, '[data-testid=repository-locks]', /./), 'unlocked');
  const tags = await waitForText(page, '[data-testid=tags]', /v1/);
  assert.match(tags, /🔒 no write, no delete/);
  await screenshot(page, '23-registry-locks');
  await page.close();
});
