import { Migrator, sql, type MigrationProvider, type Migration } from 'kysely';
import type { MigrationSet, SqlDatabase } from './database.js';
import { engineOf } from './engine.js';

class StaticProvider implements MigrationProvider {
  constructor(private readonly all: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.all;
  }
}

/** The PostgreSQL advisory lock key held while migrating (any 64-bit number unique to Dockyard). */
export const MIGRATION_LOCK_KEY = 7_306_179_465_822_001n;

async function migrate(db: SqlDatabase, all: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider(all), allowUnorderedMigrations: true });
  // Several nodes starting at once on one SQLite file: the loser of the write lock gets SQLITE_BUSY (its transaction
  // rolled back) and tries again, then finds the migrations applied. (PostgreSQL: the advisory lock below.)
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (attempt >= 10 || !isBusy(error)) throw error instanceof Error ? error : new Error(String(error));
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}

/**
 * Applies every module's migrations (one history, in name order). Throws on the first failure. On PostgreSQL the
 * whole pass (including creating Kysely's history tables) runs under a session advisory lock, so several nodes
 * starting at once migrate one after the other: the first applies, the others find nothing left to do.
 */
export async function migrateToLatest(db: SqlDatabase, sets: MigrationSet[]): Promise<string[]> {
  const all: Record<string, Migration> = {};
  for (const set of sets) {
    for (const [name, m] of Object.entries(set)) {
      if (all[name]) throw new Error(`duplicate migration name ${name}`);
      all[name] = m;
    }
  }
  if (engineOf(db) !== 'postgres') return migrate(db, all);
  // The lock lives on one pooled connection (its session) while the migrator works on others.
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
    try {
      return await migrate(db, all);
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
    }
  });
}

const isBusy = (err: unknown): boolean => /^SQLITE_BUSY/.test(String((err as { code?: unknown })?.code ?? ''));
