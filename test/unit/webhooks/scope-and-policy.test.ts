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
  for (const ok of ['http://127.0.0.1:1/x', 'http://127.9.9.9/', 'http://[::1]:8/', 'http://localhost/', 'https://hooks.example.com/', 'https://a.corp.test/', 'http://192.168.5.7/', 'http://10.1.200.3/']) {
    assert.doesNotThrow(() => p.checkUri(ok), ok);
  }
  for (const bad of ['http://10.0.0.1/', 'http://10.2.0.1/', 'http://192.168.5.8/', 'http://[::ffff:10.0.0.1]/', 'http://169.254.169.254/', 'https://corp.test/', 'https://example.com/', 'http://0.0.0.0/', 'http://[fe80::1]/']) {
    assert.throws(() => p.checkUri(bad), (e: any) => e.code === 'WebhookTargetNotAllowed', bad);
  }
  assert.throws(() => p.checkUri('ftp://127.0.0.1/'), (e: any) => e.code === 'InvalidParameter');
  assert.throws(() => p.checkUri('http://u:p@127.0.0.1/'), (e: any) => e.code === 'InvalidParameter');
  const loop = await p.resolve('http://localhost:9/x');
  assert.ok(['127.0.0.1', '::1'].includes(loop.address));
  assert.equal((await p.resolve('http://127.0.0.1:9/')).address, '127.0.0.1');
});
