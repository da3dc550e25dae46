import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Migration } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The metadata database. Each module types its own tables (`db as Kysely<MyTables>`) so no module
 * needs to know another's schema; the composition root owns the one instance.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SqlDatabase = Kysely<any>;

export interface OpenOptions {
  /** File path, or ':memory:' for tests. */
  path: string;
}

export function openSqlite(options: OpenOptions): SqlDatabase {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const native = new Database(options.path);
  native.pragma('journal_mode = WAL');
  native.pragma('synchronous = NORMAL');
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 5000');
  return new Kysely({ dialect: new SqliteDialect({ database: native }) });
}

/** A module's migrations, keyed by a name that sorts in creation order: `YYYYMMDDHHMM-<module>-<what>`. */
export type MigrationSet = Record<string, Migration>;

/**
 * Rewrites the file and empties the WAL, so rows changed just before (e.g. plaintext secrets sealed in place) leave
 * no old copy in free pages or in the log.
 */
export async function compactDatabase(db: SqlDatabase): Promise<void> {
  await sql`VACUUM`.execute(db);
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
}
