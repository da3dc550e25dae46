import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import {
  engineOf,
  migrateToLatest,
  openDatabase,
  redactDatabaseUrl,
  type MigrationSet,
  type SqlDatabase,
} from '../../../src/storage/index.js';
import { ALL_MIGRATIONS } from '../../../src/app/migrations.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { knownSecrets, maskSecrets } from '../../../src/shared/index.js';

const open: SqlDatabase[] = [];
after(async () => {
  for (const db of open) await db.destroy();
});
async function connect(url: string): Promise<SqlDatabase> {
  const db = await openDatabase({ url, path: '' });
  open.push(db);
  return db;
}

test('two nodes migrating one fresh PostgreSQL database at once: each migration applied exactly once', async () => {
  const url = await createTestDatabase('mig');
  const [a, b] = [await connect(url), await connect(url)];
  assert.equal(engineOf(a), 'postgres');
  // A slow first migration widens the window in which the second node would start too without the lock.
  let runs = 0;
  const slow: MigrationSet = {
    '000000000000-test-slow': {
      async up(db) {
        runs++;
        await sql`select pg_sleep(0.3)`.execute(db);
        await db.schema.createTable('test_once').addColumn('x', 'text').execute();
      },
    },
  };
  const [ra, rb] = await Promise.all([
    migrateToLatest(a, [slow, ...ALL_MIGRATIONS]),
    migrateToLatest(b, [slow, ...ALL_MIGRATIONS]),
  ]);
  assert.equal(runs, 1);
  const total = Object.keys(Object.assign({}, ...ALL_MIGRATIONS)).length + 1;
  // One node applied everything, the other found nothing left (whichever got the lock first).
  assert.deepEqual(
    [ra.length, rb.length].sort((x, y) => x - y),
    [0, total],
  );
  const rows = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(a);
  assert.equal(rows.rows[0].n, total, 'int8 counts come back as numbers');
  // And again on a migrated database: nothing to do.
  assert.deepEqual(await migrateToLatest(b, [slow, ...ALL_MIGRATIONS]), []);
});

test('a wrong PostgreSQL password fails at open with the URL masked', async () => {
  const url = new URL(await createTestDatabase('pw'));
  url.password = 'not-the-Password-42';
  await assert.rejects(openDatabase({ url: url.toString(), path: '' }), (err: Error) => {
    assert.match(err.message, /cannot connect to PostgreSQL at postgresql:\/\/dockyard:\*\*\*@/);
    assert.ok(!err.message.includes('not-the-Password-42'), err.message);
    return true;
  });
  // Registered with the process-wide masking set: a log line that quotes it is masked too.
  assert.ok(knownSecrets.isSecret('not-the-Password-42'));
  assert.equal(maskSecrets(`x not-the-Password-42 y`), 'x *** y');
  assert.equal(
    redactDatabaseUrl('postgres://u:p%40ss@h:5432/db?sslmode=require'),
    'postgres://u:***@h:5432/db?sslmode=require',
  );
});
