import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql, type Driver, type Migration } from 'kysely';
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
  return new Kysely({ dialect: new ImmediateSqliteDialect({ database: native }) });
}

/**
 * Transactions begin IMMEDIATE: the write lock is taken at `begin`, under busy_timeout. With a plain (deferred)
 * `begin`, a transaction that reads and then writes fails at once with SQLITE_BUSY when another process (another API
 * node on the same file) committed in between; IMMEDIATE makes it wait its turn instead. One process is unaffected
 * (Kysely runs one transaction at a time on its one connection).
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
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
