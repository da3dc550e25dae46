import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../../../src/config/index.js';

const base = { dataDir: '/nonexistent/dockyard-config-test' };

test('maxConcurrentRuns and outboxRetentionHours: defaults, then env, then flags', () => {
  const d = loadConfig({ env: {}, flags: base });
  assert.equal(d.maxConcurrentRuns, Math.max(2, availableParallelism()));
  assert.equal(d.outboxRetentionHours, 24);
  const e = loadConfig({
    env: { DOCKYARD_MAX_CONCURRENT_RUNS: '7', DOCKYARD_OUTBOX_RETENTION_HOURS: '2' },
    flags: base,
  });
  assert.equal(e.maxConcurrentRuns, 7);
  assert.equal(e.outboxRetentionHours, 2);
  const f = loadConfig({ env: { DOCKYARD_MAX_CONCURRENT_RUNS: '7' }, flags: { ...base, maxConcurrentRuns: '3' } });
  assert.equal(f.maxConcurrentRuns, 3);
  assert.throws(() => loadConfig({ env: { DOCKYARD_MAX_CONCURRENT_RUNS: '0' }, flags: base }), /maxConcurrentRuns/);
});
