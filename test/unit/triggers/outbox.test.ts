import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import {
  eventMigrations,
  markConsumed,
  outboxCursors,
  pendingEvents,
  pruneOutbox,
  writeEvent,
} from '../../../src/events/index.js';
import { engineOf, migrateToLatest, openSqlite, type SqlDatabase } from '../../../src/storage/index.js';
import { openTestDatabase } from '../../helpers/database.js';

async function freshDb(): Promise<SqlDatabase> {
  const db = await openTestDatabase(); // this pass's engine (run-tests runs this file on both)
  await migrateToLatest(db, [eventMigrations]);
  return db;
}
const push = (db: SqlDatabase, tag: string, at?: Date) => writeEvent(db, 'image.pushed', { repository: 'r', tag }, at);

test('a consumer reads after its cursor, by an index; the cursor moves over events of other types', async () => {
  const db = await freshDb();
  await push(db, '1');
  await writeEvent(db, 'image.deleted', { tag: 'x' });
  await push(db, '2');
  const first = await pendingEvents(db, 'c', ['image.pushed']);
  assert.deepEqual(
    first.map((e) => e.payload.tag),
    ['1', '2'],
  );
  await markConsumed(db, 'c', first[0].id);
  assert.deepEqual(
    (await pendingEvents(db, 'c', ['image.pushed'])).map((e) => e.payload.tag),
    ['2'],
  );
  await markConsumed(db, 'c', first[1].id);
  await writeEvent(db, 'image.deleted', { tag: 'y' });
  assert.deepEqual(await pendingEvents(db, 'c', ['image.pushed']), []);
  assert.equal((await outboxCursors(db)).c, 4, 'nothing pending: the cursor passed the trailing image.deleted');
  // Another consumer has its own cursor.
  assert.equal((await pendingEvents(db, 'other', ['image.pushed'])).length, 2);
  const query = sql`select * from outbox where type in ('image.pushed') and id > 3 order by id limit 100`;
  if (engineOf(db) === 'postgres') {
    // A tiny table is scanned sequentially unless told otherwise: the point is that the index serves the order.
    const plan = await db.connection().execute(async (conn) => {
      await sql`set enable_seqscan = off`.execute(conn);
      return sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(conn);
    });
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    assert.match(text, /Index Scan using outbox_type_id/);
    assert.doesNotMatch(text, /Sort/);
  } else {
    const plan = await sql<{ detail: string }>`explain query plan ${query}`.execute(db);
    assert.match(plan.rows.map((r) => r.detail).join('\n'), /USING INDEX outbox_type_id/);
    assert.doesNotMatch(plan.rows.map((r) => r.detail).join('\n'), /TEMP B-TREE/);
  }
  await db.destroy();
});

test('pruning deletes events every consumer passed and older than the retention, nothing else', async () => {
  const db = await freshDb();
  const old = new Date(Date.now() - 48 * 3_600_000);
  for (let i = 0; i < 5; i++) await push(db, `old${i}`, old);
  await push(db, 'new');
  assert.equal(await pruneOutbox(db, 24), 0, 'no consumer registered yet: nothing is pruned');
  const a = await pendingEvents(db, 'a', ['image.pushed']);
  await markConsumed(db, 'a', a[2].id);
  await markConsumed(db, 'b', a[4].id);
  assert.equal(await pruneOutbox(db, 24, new Date(), 2), 3, 'up to the slowest consumer (a: 3 events), in batches');
  await markConsumed(db, 'a', a[5].id);
  await markConsumed(db, 'b', a[5].id);
  assert.equal(await pruneOutbox(db, 24), 2, 'the new event is within the retention');
  assert.equal(await pruneOutbox(db, 0), 1);
  const left = await sql<{ c: number }>`select count(*) as c from outbox`.execute(db);
  assert.equal(Number(left.rows[0].c), 0);
  assert.deepEqual(await pendingEvents(db, 'a', ['image.pushed']), []);
  await db.destroy();
});

test('the migration turns consumed_by marks into cursors (just below the first unmarked event)', async () => {
  // Only SQLite files from older versions hold consumed_by marks.
  const db = openSqlite({ path: ':memory:' });
  await migrateToLatest(db, [{ '202611230001-events-outbox': eventMigrations['202611230001-events-outbox'] }]);
  const rows = [
    ['image.pushed', '["t"]'],
    ['image.deleted', '[]'],
    ['image.pushed', '["t"]'],
    ['image.pushed', '[]'],
    ['image.pushed', '["t"]'],
  ];
  for (const [type, by] of rows)
    await sql`insert into outbox (type, payload, created_at, consumed_by) values (${type}, '{}', ${new Date().toISOString()}, ${by})`.execute(
      db,
    );
  await sql`insert into outbox (type, payload, created_at, consumed_by) values ('image.pushed', '{}', ${new Date().toISOString()}, '["u"]')`.execute(
    db,
  );
  await migrateToLatest(db, [eventMigrations]);
  // Consumers handle events in order, so marks after the first unmarked one do not occur in practice; if they did,
  // those events are handled again (base-image handling is idempotent).
  assert.deepEqual(await outboxCursors(db), { t: 3, u: 0 });
  assert.deepEqual(
    (await pendingEvents(db, 't', ['image.pushed'])).map((e) => e.id),
    [4, 5, 6],
  );
  await db.destroy();
});
