import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistryHarness, pushImage, type RegistryHarness } from '../../conformance/registry-harness.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pendingEvents } from '../../../src/events/index.js';
import { WEBHOOK_CONSUMER } from '../../../src/webhooks/index.js';
import { startTestServer } from '../../helpers/server.js';
import { startReceiver } from './receiver.js';

const hookPath = (h: RegistryHarness, name: string, registry = h.name) =>
  `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/${registry}/webhooks/${name}`;
const V = '?api-version=2022-02-01-preview';

async function createHook(h: RegistryHarness, name: string, properties: Record<string, unknown>, registry?: string) {
  return h.ts.api(`${hookPath(h, name, registry)}${V}`, { method: 'PUT', body: { location: 'eastus', properties } });
}

test(
  'push and delete reach a receiver in ACR payload shape; secrets only through getCallbackConfig',
  { timeout: 60_000 },
  async (t) => {
    const h = await startRegistryHarness({ overrides: { webhookRetryBaseMs: 50 } });
    const rx = await startReceiver();
    t.after(async () => {
      await rx.close();
      await h.cleanup();
    });
    const created = await createHook(h, 'hookone', {
      serviceUri: rx.url,
      actions: ['push', 'delete'],
      scope: 'web/*:*',
      customHeaders: { Authorization: 'Bearer s3cret', 'X-Team': 'a' },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.provisioningState, 'Succeeded');
    assert.equal(created.json.status, 'enabled');
    assert.deepEqual(created.json.actions, ['push', 'delete']);
    assert.equal(created.json.serviceUri, undefined);
    assert.ok(!created.text.includes('s3cret'));
    const shown = await h.ts.api(`${hookPath(h, 'hookone')}${V}`);
    assert.equal(shown.json.scope, 'web/*:*');
    assert.ok(!shown.text.includes('s3cret') && !shown.text.includes(rx.url));
    const cfg = await h.ts.api(`${hookPath(h, 'hookone')}/getCallbackConfig${V}`, { method: 'POST' });
    assert.deepEqual(cfg.json, {
      serviceUri: rx.url,
      customHeaders: { Authorization: 'Bearer s3cret', 'X-Team': 'a' },
    });

    const auth = `Bearer ${await h.token('repository:web/app:pull,push,delete', 'repository:other:pull,push')}`;
    await pushImage(h, 'other', 'v1', auth); // out of scope
    const img = await pushImage(h, 'web/app', 'v1', auth);
    const [push] = await rx.waitFor(1);
    assert.equal(push.headers.authorization, 'Bearer s3cret');
    assert.equal(push.headers['x-team'], 'a');
    assert.equal(push.headers['content-type'], 'application/json');
    const p = push.body;
    assert.equal(p.action, 'push');
    assert.match(p.id, /^[0-9a-f-]{36}$/);
    assert.ok(!Number.isNaN(Date.parse(p.timestamp)));
    assert.deepEqual(p.target, {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: img.body.length,
      digest: img.digest,
      length: img.body.length,
      repository: 'web/app',
      tag: 'v1',
    });
    assert.equal(p.request.method, 'PUT');
    assert.equal(p.request.host, h.loginServer);
    assert.match(p.request.id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof p.request.useragent, 'string');

    assert.equal((await h.fetch(`/v2/web/app/manifests/${img.digest}`, { auth, method: 'DELETE' })).status, 202);
    const [, del] = await rx.waitFor(2);
    assert.equal(del.body.action, 'delete');
    assert.deepEqual(del.body.target, {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: img.digest,
      repository: 'web/app',
    });
    assert.equal(del.body.request.method, 'DELETE');

    const events = await h.ts.api(`${hookPath(h, 'hookone')}/listEvents${V}`, { method: 'POST' });
    assert.equal(events.json.value.length, 2);
    const [last, first] = events.json.value;
    assert.equal(first.eventRequestMessage.content.action, 'push');
    assert.equal(last.eventRequestMessage.content.action, 'delete');
    assert.equal(first.eventRequestMessage.method, 'POST');
    assert.equal(first.eventRequestMessage.requestUri, rx.url);
    assert.equal(
      first.eventRequestMessage.headers.Authorization,
      '******',
      'custom header values are masked in the history',
    );
    assert.equal(first.eventResponseMessage.statusCode, '200');
    assert.equal(first.eventResponseMessage.content, 'ok 1');
    assert.equal(first.eventResponseMessage.headers['x-receiver'], 'yes');
    assert.ok(!events.text.includes('s3cret'));
    assert.equal(rx.got.length, 2, 'the out-of-scope push was not delivered');

    // Disabled webhooks receive nothing; PATCH changes only what it is given.
    const patched = await h.ts.api(`${hookPath(h, 'hookone')}${V}`, {
      method: 'PATCH',
      body: { properties: { status: 'disabled' } },
    });
    assert.equal(patched.json.status, 'disabled');
    assert.equal(patched.json.scope, 'web/*:*');
    await pushImage(h, 'web/app', 'v2', auth, [Buffer.from('v2')]);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(rx.got.length, 2);
    assert.equal((await h.ts.api(`${hookPath(h, 'hookone')}${V}`, { method: 'DELETE' })).status, 200);
    assert.equal((await h.ts.api(`${hookPath(h, 'hookone')}${V}`)).status, 404);
  },
);

test('a failing receiver is retried with backoff and never slows the push', { timeout: 60_000 }, async (t) => {
  const h = await startRegistryHarness({ overrides: { webhookRetryBaseMs: 100, webhookMaxAttempts: 3 } });
  const rx = await startReceiver(() => ({ status: 500, delayMs: 1500, body: 'boom' }));
  t.after(async () => {
    await rx.close();
    await h.cleanup();
  });
  assert.equal((await createHook(h, 'failing', { serviceUri: rx.url, actions: ['push'] })).status, 201);
  const auth = `Bearer ${await h.token('repository:slow:pull,push')}`;
  const started = Date.now();
  await pushImage(h, 'slow', 'v1', auth);
  const pushMs = Date.now() - started;
  assert.ok(pushMs < 1500, `the push took ${pushMs} ms: it waited for the receiver`);
  const got = await rx.waitFor(3, 30_000);
  assert.ok(got[0].at >= started);
  assert.equal(new Set(got.map((g) => g.body.id)).size, 1, 'the same event is retried');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(rx.got.length, 3, 'no more than webhookMaxAttempts attempts');
  const events = await h.ts.api(`${hookPath(h, 'failing')}/listEvents${V}`, { method: 'POST' });
  assert.equal(events.json.value.length, 1);
  assert.equal(events.json.value[0].eventResponseMessage.statusCode, '500');
  assert.equal(events.json.value[0].eventResponseMessage.content, 'boom');
});

test(
  'targets off the allow-list are refused at create, without traffic; SKU limits apply',
  { timeout: 60_000 },
  async (t) => {
    const h = await startRegistryHarness();
    t.after(() => h.cleanup());
    for (const uri of [
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'https://example.com/x',
      'http://[::ffff:10.0.0.1]/',
      'http://0.0.0.0:80/',
    ]) {
      const started = Date.now();
      const r = await createHook(h, 'probing', { serviceUri: uri, actions: ['push'] });
      assert.equal(r.status, 400, `${uri}: ${r.text}`);
      assert.equal(r.json.error.code, 'WebhookTargetNotAllowed');
      assert.ok(Date.now() - started < 1000, 'refused from the URI alone, no connection attempt');
    }
    assert.equal(
      (await createHook(h, 'badscheme', { serviceUri: 'file:///etc/passwd', actions: ['push'] })).json.error.code,
      'InvalidParameter',
    );
    assert.deepEqual((await h.ts.api(`${hookPath(h, '').slice(0, -1)}${V}`)).json.value, []);
    const ok = await createHook(h, 'loopback', { serviceUri: 'http://localhost:9/x', actions: ['push'] });
    assert.equal(ok.status, 201);
    // Updating to a disallowed URI is refused too.
    const moved = await h.ts.api(`${hookPath(h, 'loopback')}${V}`, {
      method: 'PATCH',
      body: { properties: { serviceUri: 'http://10.0.0.1/' } },
    });
    assert.equal(moved.json.error.code, 'WebhookTargetNotAllowed');

    // Basic allows 2 webhooks.
    await h.ts.api(
      `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/basicreg?api-version=2025-04-01`,
      { method: 'PUT', body: { location: 'eastus', sku: { name: 'Basic' } } },
    );
    assert.equal(
      (await createHook(h, 'hookaaa', { serviceUri: 'http://127.0.0.1:9/', actions: ['push'] }, 'basicreg')).status,
      201,
    );
    assert.equal(
      (await createHook(h, 'hookbbb', { serviceUri: 'http://127.0.0.1:9/', actions: ['push'] }, 'basicreg')).status,
      201,
    );
    const over = await createHook(h, 'hookccc', { serviceUri: 'http://127.0.0.1:9/', actions: ['push'] }, 'basicreg');
    assert.equal(over.json.error.code, 'QuotaExceeded');
    assert.match(over.json.error.message, /Quota exceeded for resource type webhooks for the registry SKU Basic/);
    assert.equal(
      (await createHook(h, 'hookaaa', { serviceUri: 'http://127.0.0.1:8/', actions: ['delete'] }, 'basicreg')).status,
      200,
      'replacing an existing one is not a new webhook',
    );
    assert.equal(
      (await createHook(h, 'bad', { serviceUri: 'http://127.0.0.1:9/', actions: ['push'] })).json.error.code,
      'InvalidResourceName',
    );
    assert.equal(
      (await createHook(h, 'badaction', { serviceUri: 'http://127.0.0.1:9/', actions: ['pull'] })).json.error.code,
      'InvalidParameter',
    );
  },
);

test(
  'a push made while delivery is down is delivered after a restart (outbox consumer, durable)',
  { timeout: 120_000 },
  async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dockyard-webhook-restart-'));
    const rx = await startReceiver();
    const h = await startRegistryHarness({ dataDir });
    const servers: Array<{ cleanup(): Promise<void> }> = [];
    t.after(async () => {
      await rx.close();
      for (const s of servers) await s.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });
    assert.equal((await createHook(h, 'durable', { serviceUri: rx.url, actions: ['push'] })).status, 201);
    await h.ts.platform.webhooks.dispatcher.stop();
    const auth = `Bearer ${await h.token('repository:later:pull,push')}`;
    const img = await pushImage(h, 'later', 'v1', auth);
    assert.equal((await pendingEvents(h.ts.platform.db, WEBHOOK_CONSUMER, ['image.pushed'])).length, 1);
    await h.ts.stop();
    assert.equal(rx.got.length, 0);
    const second = await startTestServer({}, dataDir);
    servers.push(second);
    const [got] = await rx.waitFor(1);
    assert.equal(got.body.target.digest, img.digest);
    assert.equal((await pendingEvents(second.platform.db, WEBHOOK_CONSUMER, ['image.pushed'])).length, 0);
  },
);
