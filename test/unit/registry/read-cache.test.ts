import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadCache } from '../../../src/registry/read-cache.js';

test('ReadCache: a value is reused within the TTL, read again after it, and misses are never kept', async () => {
  let now = 1_000;
  const c = new ReadCache<string>({ ttlMs: 500, now: () => now });
  let reads = 0;
  const load = (v: string | undefined) => async () => {
    reads++;
    return v;
  };
  assert.equal(await c.get('Reg', 'k', load('a')), 'a');
  now += 499;
  assert.equal(await c.get('reg', 'k', load('b')), 'a', 'registry names are case-insensitive');
  assert.equal(reads, 1);
  now += 1;
  assert.equal(await c.get('reg', 'k', load('b')), 'b', 'expired at the TTL');
  assert.equal(reads, 2);
  assert.equal(await c.get('reg', 'missing', load(undefined)), undefined);
  assert.equal(await c.get('reg', 'missing', load('now here')), 'now here', 'a miss is read again');
  assert.equal(reads, 4);
});

test('ReadCache: invalidate drops one registry at once; invalidateAll every registry', async () => {
  const c = new ReadCache<number>({ ttlMs: 60_000 });
  await c.get('a', 'k', async () => 1);
  await c.get('b', 'k', async () => 1);
  c.invalidate('A');
  assert.equal(await c.get('a', 'k', async () => 2), 2);
  assert.equal(await c.get('b', 'k', async () => 2), 1, 'another registry keeps its entries');
  c.invalidateAll();
  assert.equal(await c.get('b', 'k', async () => 3), 3);
  assert.equal(await c.get('a', 'k', async () => 3), 3);
});

test('ReadCache: a read that overlapped a write is returned but never kept (no stale entry after invalidate)', async () => {
  const c = new ReadCache<string>({ ttlMs: 60_000 });
  let release!: () => void;
  const slow = c.get('reg', 'k', () => new Promise<string>((r) => (release = () => r('old'))));
  c.invalidate('reg'); // the write committed while the read was running
  release();
  assert.equal(await slow, 'old');
  assert.equal(await c.get('reg', 'k', async () => 'new'), 'new');
  assert.equal(await c.get('reg', 'k', async () => 'newer'), 'new', 'a read after the write is kept');
});

test('ReadCache: bounded by entries and bytes, oldest out first; too-big values are not kept', async () => {
  const c = new ReadCache<Buffer>({
    ttlMs: 60_000,
    maxEntries: 3,
    maxBytes: 100,
    maxEntryBytes: 60,
    sizeOf: (b) => b.length,
  });
  for (const k of ['a', 'b', 'c', 'd']) await c.get('r', k, async () => Buffer.alloc(10));
  assert.equal(c.size, 3);
  let reads = 0;
  await c.get('r', 'a', async () => (reads++, Buffer.alloc(10)));
  assert.equal(reads, 1, 'the oldest entry went first');
  await c.get('r', 'big', async () => Buffer.alloc(61));
  await c.get('r', 'big', async () => (reads++, Buffer.alloc(61)));
  assert.equal(reads, 2, 'a value above maxEntryBytes is not kept');
  await c.get('r', 'x', async () => Buffer.alloc(50));
  await c.get('r', 'y', async () => Buffer.alloc(50));
  assert.ok(c.size <= 2, 'the byte bound evicts');
});
