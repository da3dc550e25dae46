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
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
