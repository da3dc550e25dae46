import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBase64,
  formatBytes,
  maskSecret,
  parseValues,
  rgAndName,
  runDuration,
  runTrigger,
  shortDigest,
} from '../../../src/web/app/format.js';
import { href, parseHash } from '../../../src/web/app/paths.js';

test('sizes, digests and durations as the dashboard shows them', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1.00 KiB');
  assert.equal(formatBytes(1_069_000), '1.02 MiB');
  assert.equal(formatBytes(null), '—');
  assert.equal(shortDigest(`sha256:${'a'.repeat(64)}`), 'sha256:aaaaaaaaaaaa');
  const t0 = '2026-01-01T00:00:00Z';
  assert.equal(runDuration({ startTime: t0, finishTime: '2026-01-01T00:00:17Z' }), '17s');
  assert.equal(runDuration({ startTime: t0, finishTime: '2026-01-01T00:02:05Z' }), '2m 5s');
  assert.equal(runDuration({ startTime: t0, finishTime: null }, Date.parse('2026-01-01T01:30:00Z')), '1h 30m');
  assert.equal(runDuration({}), '—');
});

test('run triggers, resource ids, values and masking', () => {
  assert.equal(runTrigger({ task: 'hello', runType: 'QuickRun' }), 'Manual');
  assert.equal(runTrigger({ task: 'hello', sourceTrigger: { eventType: 'commit' } }), 'Source commit');
  assert.equal(runTrigger({ task: 'hello', timerTrigger: { timerTriggerName: 't1' } }), 'Timer');
  assert.equal(runTrigger({ task: null, runType: 'QuickRun' }), 'Quick run');
  assert.deepEqual(
    rgAndName('/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/r1'),
    { rg: 'rg1', name: 'r1' },
  );
  assert.deepEqual(parseValues('A=1\n\n B=x=y \nC'), [
    { name: 'A', value: '1', isSecret: false },
    { name: 'B', value: 'x=y', isSecret: false },
    { name: 'C', value: '', isSecret: false },
  ]);
  assert.doesNotMatch(maskSecret('hunter2-long-password'), /[a-z0-9]/);
  assert.equal(maskSecret('x').length, 8);
  assert.equal(decodeBase64(Buffer.from('steps:\n  - build: .\n').toString('base64')), 'steps:\n  - build: .\n');
});

test('hash routes round-trip names with slashes and colons', () => {
  const h = href('rg', 'g', 'registries', 'r', 'repositories', 'team/app', 'manifests', 'sha256:abc');
  assert.equal(h, '#/rg/g/registries/r/repositories/team%2Fapp/manifests/sha256%3Aabc');
  assert.deepEqual(parseHash(h), ['rg', 'g', 'registries', 'r', 'repositories', 'team/app', 'manifests', 'sha256:abc']);
  assert.deepEqual(parseHash(''), []);
  assert.deepEqual(parseHash('#/vaults'), ['vaults']);
});
