import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scopeMatches, TargetPolicy } from '../../../src/webhooks/index.js';

test('webhook scopes: empty = all, bare repo = repo:latest, wildcards in repo and tag', () => {
  assert.ok(scopeMatches('', 'any/repo', []));
  assert.ok(scopeMatches('app', 'app', ['latest']));
  assert.ok(!scopeMatches('app', 'app', ['v1']));
  assert.ok(scopeMatches('app:*', 'app', ['v1']));
  assert.ok(scopeMatches('app:*', 'app', []));
  assert.ok(!scopeMatches('app:*', 'app2', ['v1']));
  assert.ok(scopeMatches('web/*:v1.*', 'web/api', ['v1.2']));
  assert.ok(!scopeMatches('web/*:v1.*', 'web/api', ['v10']), 'dots are literal');
  assert.ok(scopeMatches('app:v2', 'app', ['v1', 'v2']));
});

test('target policy: loopback always, listed names/addresses/ranges, nothing else', async () => {
  const p = new TargetPolicy(['hooks.example.com', '*.corp.test', '192.168.5.7', '10.1.0.0/16']);
  for (const ok of [
    'http://127.0.0.1:1/x',
    'http://127.9.9.9/',
    'http://[::1]:8/',
    'http://localhost/',
    'https://hooks.example.com/',
    'https://a.corp.test/',
    'http://192.168.5.7/',
    'http://10.1.200.3/',
  ]) {
    assert.doesNotThrow(() => p.checkUri(ok), ok);
  }
  for (const bad of [
    'http://10.0.0.1/',
    'http://10.2.0.1/',
    'http://192.168.5.8/',
    'http://[::ffff:10.0.0.1]/',
    'http://169.254.169.254/',
    'https://corp.test/',
    'https://example.com/',
    'http://0.0.0.0/',
    'http://[fe80::1]/',
  ]) {
    assert.throws(
      () => p.checkUri(bad),
      (e: any) => e.code === 'WebhookTargetNotAllowed',
      bad,
    );
  }
  assert.throws(
    () => p.checkUri('ftp://127.0.0.1/'),
    (e: any) => e.code === 'InvalidParameter',
  );
  assert.throws(
    () => p.checkUri('http://u:p@127.0.0.1/'),
    (e: any) => e.code === 'InvalidParameter',
  );
  const loop = await p.resolve('http://localhost:9/x');
  assert.ok(['127.0.0.1', '::1'].includes(loop.address));
  assert.equal((await p.resolve('http://127.0.0.1:9/')).address, '127.0.0.1');
});

test('delivery history is pruned to the newest EVENTS_KEPT finished events per webhook', async () => {
  const { migrateToLatest } = await import('../../../src/storage/index.js');
  const { openTestDatabase } = await import('../../helpers/database.js');
  const { eventMigrations } = await import('../../../src/events/index.js');
  const { webhookMigrations, WebhookDispatcher, EVENTS_KEPT } = await import('../../../src/webhooks/index.js');
  const { createLogger, systemClock } = await import('../../../src/shared/index.js');
  const db = await openTestDatabase();
  await migrateToLatest(db, [eventMigrations, webhookMigrations]);
  const k = db as any;
  const row = (hook: string, i: number, state: string) => ({
    id: `e${i}`,
    webhook_id_lower: hook,
    action: 'push',
    created_at: '2026-01-01T00:00:00Z',
    request: '{}',
    response: null,
    state,
    attempts: 1,
    next_attempt_at: '2026-01-01T00:00:00Z',
  });
  for (let i = 0; i < EVENTS_KEPT + 20; i++)
    await k
      .insertInto('webhook_events')
      .values(row('a', i, i === 0 ? 'pending' : 'delivered'))
      .execute();
  for (let i = 0; i < 5; i++)
    await k
      .insertInto('webhook_events')
      .values(row('b', i, 'failed'))
      .execute();
  const d = new WebhookDispatcher(db, {} as never, {} as never, systemClock, createLogger('silent'));
  await d.prune();
  const count = async (hook: string) =>
    Number(
      (
        await k
          .selectFrom('webhook_events')
          .select((eb: any) => eb.fn.countAll().as('c'))
          .where('webhook_id_lower', '=', hook)
          .executeTakeFirst()
      ).c,
    );
  assert.equal(await count('a'), EVENTS_KEPT + 1, 'the newest kept, plus the old pending one');
  assert.equal(await count('b'), 5);
  await db.destroy();
});

test('target policy at delivery: what a host resolved to is checked (rebinding, metadata addresses)', () => {
  const p = new TargetPolicy(['hooks.example.com', '*.corp.test', '10.9.0.0/16']);
  const refused = (host: string, addrs: string[]) =>
    assert.throws(
      () => p.checkResolved(host, addrs),
      (e: any) => e.code === 'WebhookTargetNotAllowed',
      `${host} -> ${addrs}`,
    );
  assert.doesNotThrow(() => p.checkResolved('localhost', ['127.0.0.1', '::1']));
  refused('localhost', ['127.0.0.1', '10.0.0.1']);
  assert.doesNotThrow(() => p.checkResolved('hooks.example.com', ['203.0.113.7']));
  refused('hooks.example.com', ['169.254.169.254']);
  refused('evil.corp.test', ['::ffff:169.254.169.254']);
  refused('hooks.example.com', ['0.0.0.0']);
  assert.doesNotThrow(() => p.checkResolved('x.corp.test', ['10.9.1.1']));
  refused('hooks.example.com', []);
});
