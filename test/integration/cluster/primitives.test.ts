// The cluster primitives on one SQLite file opened by two connections (as two API nodes would): leases, shared keys,
// digest marks (GC vs. linking) and outbox claims.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openSqlite, type SqlDatabase } from '../../../src/storage/index.js';
import { clusterMigrations, Leases, SharedKeys } from '../../../src/cluster/index.js';
import { registryMigrations } from '../../../src/registry/index.js';
import { DigestMarks, STALE_MS } from '../../../src/registry/digest-marks.js';
import { DigestLocks } from '../../../src/registry/digest-locks.js';
import { claimEvent, eventMigrations, pendingEvents, writeEvent } from '../../../src/events/index.js';
import { SecretCipher } from '../../../src/shared/index.js';

async function twoConnections(t: { after(fn: () => Promise<void> | void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'dy-prim-'));
  const file = join(dir, 'shared.db');
  const one = openSqlite({ path: file });
  await migrateToLatest(one, [clusterMigrations, registryMigrations, eventMigrations]);
  const two = openSqlite({ path: file });
  t.after(async () => {
    await one.destroy();
    await two.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return [one, two] as [SqlDatabase, SqlDatabase];
}

test('a lease has one holder until it expires; the holder renews it; release frees it', async (t) => {
  const [one, two] = await twoConnections(t);
  let now = Date.parse('2026-12-02T00:00:00Z');
  const a = new Leases(one, 'node-a', () => now);
  const b = new Leases(two, 'node-b', () => now);
  assert.equal(await a.acquire('gc', 10_000), true);
  assert.equal(await b.acquire('gc', 10_000), false);
  assert.equal(await a.acquire('gc', 10_000), true, 'renewal');
  now += 11_000;
  assert.equal(await b.acquire('gc', 10_000), true, 'an expired lease is taken over');
  assert.equal(await a.holderOf('gc'), 'node-b');
  await a.release('gc');
  assert.equal(await a.holderOf('gc'), 'node-b', 'only the holder releases');
  await b.release('gc');
  assert.equal(await a.acquire('gc', 10_000), true);
  // withLease: the other node's work does not run while one holds it.
  let ran = 0;
  const res = await b.withLease('gc', 10_000, async () => ++ran);
  assert.equal(res, undefined);
  assert.equal(ran, 0);
});

test('shared keys: created once (two nodes at once agree), sealed, and unreadable with another master key', async (t) => {
  const [one, two] = await twoConnections(t);
  const master = randomBytes(32);
  const a = new SharedKeys(one, new SecretCipher(master));
  const b = new SharedKeys(two, new SecretCipher(master));
  const [va, vb] = await Promise.all([a.ensure('k', () => 'from-a'), b.ensure('k', () => 'from-b')]);
  assert.equal(va, vb, 'both nodes use the row that won');
  const raw = await one.selectFrom('cluster_keys').select('value').where('name', '=', 'k').executeTakeFirstOrThrow();
  assert.ok(!String(raw.value).includes(va), 'sealed at rest');
  assert.equal(
    await b.ensure(
      'legacy',
      () => 'new',
      () => 'imported',
    ),
    'imported',
    'a data-dir key is imported once',
  );
  const wrong = new SharedKeys(two, new SecretCipher(randomBytes(32)));
  await assert.rejects(wrong.get('k'), /same key file/);
  assert.equal(await a.replace('k', 'not-it', 'x'), false, 'compare-and-set');
  assert.equal(await a.replace('k', va, 'x'), true);
  assert.equal(await b.get('k'), 'x');
});

test('digest marks: GC cannot doom a digest a node is linking; a linker waits out a doom; stale marks are taken over', async (t) => {
  const [one, two] = await twoConnections(t);
  let now = Date.parse('2026-12-02T00:00:00Z');
  const linker = new DigestMarks(one, () => now);
  const gc = new DigestMarks(two, () => now);
  const d = `sha256:${'a'.repeat(64)}`;
  await linker.linking(d);
  await linker.linking(d); // a second upload of the same digest on the same or another node
  assert.equal(await gc.doom(d), false, 'linkers are in');
  await linker.linked(d);
  assert.equal(await gc.doom(d), false, 'one linker is still in');
  await linker.linked(d);
  assert.equal(await gc.doom(d), true, 'nobody links: GC may delete');
  // While doomed, a linker waits; it gets in once GC released the digest.
  let linked = false;
  const waiting = linker.linking(d).then(() => (linked = true));
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(linked, false, 'the linker waits while GC deletes');
  await gc.release(d);
  await waiting;
  assert.equal(await gc.doom(d), false);
  await linker.linked(d);
  // A linker that died (never counted out) stops blocking GC after its deadline; a GC that died stops blocking linkers.
  await linker.linking(d);
  now += 11 * 60_000;
  assert.equal(await gc.doom(d), true, 'a dead linker is presumed gone after its deadline');
  now += STALE_MS + 1000;
  await linker.linking(d);
  assert.equal(await gc.doom(d), false);
});

test('digest locks across two nodes: a blob linked on one node is never collected by the other', async (t) => {
  const [one, two] = await twoConnections(t);
  const nodeA = new DigestLocks(new DigestMarks(one));
  const nodeB = new DigestLocks(new DigestMarks(two));
  const d = `sha256:${'b'.repeat(64)}`;
  // A shared "store": the blob exists; `links` is what the linking node committed.
  let exists = true;
  let links = 0;
  let violations = 0;
  const link = () =>
    nodeA.link(d, async () => {
      if (!exists) exists = true; // commitUpload re-creates a deleted blob
      await new Promise((r) => setImmediate(r));
      links++;
      await new Promise((r) => setImmediate(r));
      if (!exists) violations++;
    });
  const collect = () =>
    nodeB.collect(d, async () => {
      if (links > 0) return; // the re-check inside the doom
      await new Promise((r) => setImmediate(r));
      exists = false;
    });
  for (let round = 0; round < 30; round++) {
    links = 0;
    await Promise.all([link(), collect(), collect(), link()]);
    if (links > 0 && !exists) violations++;
  }
  assert.equal(violations, 0);
});

test('an outbox event is claimed by exactly one of two consumers on two connections', async (t) => {
  const [one, two] = await twoConnections(t);
  for (let i = 0; i < 20; i++) await writeEvent(one, 'image.pushed', { i });
  const handled: number[] = [];
  const consume = async (db: SqlDatabase) => {
    for (;;) {
      const events = await pendingEvents(db, 'test.consumer', ['image.pushed'], 5);
      if (!events.length) return;
      // (Real consumers claim inside their handling transaction; two synchronous SQLite connections in ONE process
      // cannot hold overlapping write transactions, so the claim runs on its own here. two-nodes.test.ts covers the
      // transactional form across processes.)
      for (const ev of events) if (await claimEvent(db, 'test.consumer', ev.id)) handled.push(Number(ev.payload.i));
    }
  };
  await Promise.all([consume(one), consume(two), consume(one), consume(two)]);
  assert.deepEqual(
    [...handled].sort((x, y) => x - y),
    Array.from({ length: 20 }, (_, i) => i),
    'each event handled once',
  );
});
