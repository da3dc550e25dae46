import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { growingPercentFor, keepOldGenerationSlack, OLD_GENERATION_SLACK } from '../../../src/bin/old-generation.js';

const MiB = 1024 * 1024;

test('old generation slack: the growing factor leaves about 32 MiB of room, then V8 takes over', () => {
  assert.equal(OLD_GENERATION_SLACK, 32 * MiB);
  assert.equal(growingPercentFor(0), 300);
  assert.equal(growingPercentFor(8 * MiB), 300); // capped: a tiny heap may only quadruple
  assert.equal(growingPercentFor(16 * MiB), 200);
  assert.equal(growingPercentFor(21 * MiB), 153); // serve's heap once loaded: ~21 MiB → next collection at ~53 MiB
  assert.equal(growingPercentFor(32 * MiB), 100);
  assert.equal(growingPercentFor(64 * MiB), 50);
  assert.equal(growingPercentFor(70 * MiB), 0); // under 50%: V8's own factor (1.1–4)
  assert.equal(growingPercentFor(10 * MiB, 20 * MiB), 200);
});

/** A full (major) garbage collection of this process. */
function fullCollection(): Promise<void> {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return new Promise((resolve) => setTimeout(resolve, 20)); // gc entries reach observers asynchronously
}

test('old generation slack: set at start, recomputed after each full collection, only when it changes', async () => {
  const set: string[] = [];
  let heap = 8 * MiB;
  const stop = keepOldGenerationSlack({ flags: [], heapBytes: () => heap, setFlags: (f) => set.push(f) });
  try {
    assert.deepEqual(set, ['--heap-growing-percent=300']);
    heap = 8 * MiB + 1; // still 300%: not set again
    await fullCollection();
    assert.deepEqual(set, ['--heap-growing-percent=300']);
    heap = 40 * MiB;
    await fullCollection();
    assert.deepEqual(set, ['--heap-growing-percent=300', '--heap-growing-percent=80']);
    heap = 200 * MiB; // a big heap: back to V8's own factor
    await fullCollection();
    assert.deepEqual(set.at(-1), '--heap-growing-percent=0');
  } finally {
    stop();
  }
});

test('old generation slack: a heap-growing or initial-size flag of the user turns the rule off', () => {
  for (const flag of ['--heap-growing-percent=10', '--initial-old-space-size=256', '--initial-heap-size=64']) {
    const set: string[] = [];
    keepOldGenerationSlack({ flags: ['--enable-source-maps', flag], setFlags: (f) => set.push(f) })();
    assert.deepEqual(set, [], flag);
  }
});
