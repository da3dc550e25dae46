import Database from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql, type Driver, type Migration } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { engineOf } from './engine.js';

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
  return new Kysely({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(native) }) });
}

type NativeDb = InstanceType<typeof Database>;
type NativeStatement = ReturnType<NativeDb['prepare']>;
const STATEMENT_CACHE_MAX = 512;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running the small indexed queries on the
 * registry's hot paths (a blob GET makes three). Prepared statements are reused by SQL text (the parameters differ);
 * a statement still being iterated (a streamed query) is never handed out twice — a fresh one is prepared instead.
 */
function withStatementCache(native: NativeDb): { close(): void; prepare(sql: string): NativeStatement } {
  const cache = new Map<string, NativeStatement>();
  return {
    close: () => {
      cache.clear();
      native.close();
    },
    prepare(text: string) {
      const hit = cache.get(text);
      if (hit && !hit.busy) return hit;
      const stmt = native.prepare(text);
      if (!hit) {
        if (cache.size >= STATEMENT_CACHE_MAX) cache.clear();
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}

export interface OpenDatabaseOptions {
  /** `postgres://` / `postgresql://` URL (a secret: it is masked everywhere); absent = SQLite at `path`. */
  url?: string;
  /** The SQLite file (or ':memory:') when there is no URL. */
  path: string;
  /** PostgreSQL: an idle pooled connection failed (logged by the caller; the pool reconnects). */
  onIdleError?: (err: Error) => void;
}

/** SQLite when no URL is configured, PostgreSQL for a postgres URL (docs/designs/database.md). */
export async function openDatabase(options: OpenDatabaseOptions): Promise<SqlDatabase> {
  if (options.url) {
    // pg loads only when a PostgreSQL URL is configured: the default start-up stays light.
    const { openPostgres } = await import('./postgres.js');
    return openPostgres({ url: options.url, onIdleError: options.onIdleError });
  }
  return openSqlite({ path: options.path });
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
 * Rewrites the stored data so rows changed just before (e.g. plaintext secrets sealed in place) leave no old copy:
 * SQLite rewrites the file and empties the WAL; PostgreSQL rewrites every table without its dead row versions.
 */
export async function compactDatabase(db: SqlDatabase): Promise<void> {
  if (engineOf(db) === 'postgres') {
    await sql`VACUUM FULL`.execute(db);
    return;
  }
  await sql`VACUUM`.execute(db);
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
}
