import { openDatabase, openSqlite, type SqlDatabase } from '../../src/storage/index.js';
import { createTestDatabase, testOnPostgres } from './postgres.js';

/**
 * A fresh, empty metadata database for a store-level test on the engine of this test pass: in-memory SQLite, or a
 * new database on the test PostgreSQL cluster when `DOCKYARD_TEST_DATABASE=postgres`.
 */
export async function openTestDatabase(engine: 'sqlite' | 'postgres' = testOnPostgres() ? 'postgres' : 'sqlite') {
  const db: SqlDatabase =
    engine === 'postgres'
      ? await openDatabase({ url: await createTestDatabase(), path: '' })
      : openSqlite({ path: ':memory:' });
  return db;
}

const byDir = new Map<string, Promise<string>>();

/** The database URL of a test server's data dir on the PostgreSQL pass (the same one when the server restarts). */
export function databaseFor(dataDir: string): Promise<string> | undefined {
  if (!testOnPostgres()) return undefined;
  let url = byDir.get(dataDir);
  if (!url) {
    url = createTestDatabase('srv');
    byDir.set(dataDir, url);
  }
  return url;
}
