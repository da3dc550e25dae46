export {
  compactDatabase,
  openDatabase,
  openSqlite,
  type OpenDatabaseOptions,
  type SqlDatabase,
  type MigrationSet,
  type OpenOptions,
} from './database.js';
export { migrateToLatest, MIGRATION_LOCK_KEY } from './migrate.js';
export { autoIdColumn, columnTypes, engineOf, greater, type SqlEngine } from './engine.js';
export { isPostgresUrl, redactDatabaseUrl } from './postgres.js';
