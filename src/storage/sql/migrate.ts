import { Migrator, type MigrationProvider, type Migration } from 'kysely';
import type { MigrationSet, SqlDatabase } from './database.js';

class StaticProvider implements MigrationProvider {
  constructor(private readonly all: Record<string, Migration>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.all;
  }
}

/** Applies every module's migrations (one history, in name order). Throws on the first failure. */
export async function migrateToLatest(db: SqlDatabase, sets: MigrationSet[]): Promise<string[]> {
  const all: Record<string, Migration> = {};
  for (const set of sets) {
    for (const [name, m] of Object.entries(set)) {
      if (all[name]) throw new Error(`duplicate migration name ${name}`);
      all[name] = m;
    }
  }
  const migrator = new Migrator({ db, provider: new StaticProvider(all), allowUnorderedMigrations: true });
  // Several nodes starting at once on one SQLite file: the loser of the write lock gets SQLITE_BUSY (its transaction
  // rolled back) and tries again, then finds the migrations applied.
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    if (attempt >= 10 || !isBusy(error)) throw error instanceof Error ? error : new Error(String(error));
    await new Promise((r) => setTimeout(r, 100 * attempt));
  }
}

const isBusy = (err: unknown): boolean => /^SQLITE_BUSY/.test(String((err as { code?: unknown })?.code ?? ''));
