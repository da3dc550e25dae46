import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DockyardMetrics, isLoopbackAddress, tokenMatches } from '../../../src/metrics/index.js';
import { dataPlaneRoute } from '../../../src/registry/index.js';
import { onTriggerQueued, triggerEventTime } from '../../../src/app/wire-metrics.js';
import type { RunRecord } from '../../../src/tasks/index.js';

test('loopback means 127.0.0.0/8 and ::1 (IPv4-mapped too), nothing else', () => {
  for (const a of ['127.0.0.1', '127.0.0.2', '127.255.1.9', '::1', '::ffff:127.0.0.1'])
    assert.ok(isLoopbackAddress(a), a);
  for (const a of [undefined, '', '10.0.0.1', '::ffff:10.0.0.1', '1127.0.0.1', '127.0.0.1.nip.io', 'fe80::1', '::'])
    assert.ok(!isLoopbackAddress(a), String(a));
});

test('the scrape token comparison is exact', () => {
  assert.ok(tokenMatches('abcdefghijklmnop', 'abcdefghijklmnop'));
  assert.ok(!tokenMatches('abcdefghijklmnoq', 'abcdefghijklmnop'));
  assert.ok(!tokenMatches('abcdefghijklmno', 'abcdefghijklmnop'));
  assert.ok(!tokenMatches('', 'abcdefghijklmnop'));
});

test('data-plane routes map to a fixed set of templates', () => {
  const cases: Record<string, string> = {
    '/v2/': '/v2/',
    '/v2': '/v2/',
    '/v2/_catalog?n=10': '/v2/_catalog',
    '/oauth2/token?service=x&scope=y': '/oauth2/token',
    '/oauth2/exchange': '/oauth2/exchange',
    '/v2/a/b/c/manifests/latest': '/v2/<name>/manifests/<reference>',
    '/v2/app/blobs/uploads/': '/v2/<name>/blobs/uploads/',
    '/v2/app/blobs/uploads/0123abcd?digest=sha256:00': '/v2/<name>/blobs/uploads/<uuid>',
    '/v2/app/blobs/sha256:abcd': '/v2/<name>/blobs/<digest>',
    '/v2/app/tags/list': '/v2/<name>/tags/list',
    '/v2/app/referrers/sha256:abcd': '/v2/<name>/referrers/<digest>',
    '/acr/v1/app/_tags': '/acr/v1/*',
    '/v2/../../etc/passwd': '<unmatched>',
    '/favicon.ico': '<unmatched>',
  };
  for (const [url, route] of Object.entries(cases)) assert.equal(dataPlaneRoute(url), route, url);
});

test('trigger lag is measured from the event when its time is known', async () => {
  const m = new DockyardMetrics({ processMetrics: false });
  const fired = onTriggerQueued(m)!;
  const run = { createTime: '2026-01-01T00:00:12.000Z' } as RunRecord;
  fired(
    { kind: 'Timer', timerTrigger: { timerTriggerName: 't', scheduleOccurrence: '2026-01-01T00:00:10.000Z' } },
    run,
  );
  fired(
    { kind: 'Image Update', imageUpdateTrigger: { id: 'e', timestamp: '2026-01-01T00:00:11.500Z', images: [] } },
    run,
  );
  fired({ kind: 'Commit' }, run);
  assert.equal(triggerEventTime({ kind: 'Commit' }), undefined);
  const text = (await m.render()).body;
  assert.match(text, /dockyard_trigger_runs_total\{trigger="Commit"\} 1/);
  assert.match(text, /dockyard_trigger_lag_seconds_sum\{trigger="Timer"\} 2\n/);
  assert.match(text, /dockyard_trigger_lag_seconds_sum\{trigger="Image Update"\} 0.5\n/);
  assert.doesNotMatch(text, /dockyard_trigger_lag_seconds_count\{trigger="Commit"\}/);
});

test('recording reuses one series per label set; unknown methods collapse to OTHER; token routes count issues and failures', async () => {
  const m = new DockyardMetrics({ processMetrics: false, tokenRoutes: ['/oauth2/token'] });
  for (let i = 0; i < 3; i++) m.httpRequest('registry', '/oauth2/token', 'GET', 200, 0.01);
  m.httpRequest('registry', '/oauth2/token', 'GET', 401, 0.01);
  m.httpRequest('api', '<unmatched>', 'BREW', 404, 0.001);
  const text = (await m.render()).body;
  assert.match(text, /dockyard_tokens_issued_total\{plane="registry",route="\/oauth2\/token"\} 3/);
  assert.match(text, /dockyard_token_failures_total\{plane="registry",route="\/oauth2\/token"\} 1/);
  assert.match(text, /dockyard_http_requests_total\{plane="api",route="<unmatched>",method="OTHER",status="404"\} 1/);
});
