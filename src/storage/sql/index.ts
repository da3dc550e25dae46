export { compactDatabase, openSqlite, type SqlDatabase, type MigrationSet, type OpenOptions } from './database.js';
export { migrateToLatest } from './migrate.js';
