import type { MigrationSet } from '../storage/index.js';
import { eventMigrations } from '../events/index.js';
import { directoryMigrations } from '../identity/index.js';
import { armMigrations } from '../arm/index.js';
import { taskMigrations, triggerMigrations } from '../tasks/index.js';
import { registryMigrations } from '../registry/index.js';
import { webhookMigrations } from '../webhooks/index.js';
import { identityMigrationSets } from './wire-identity.js';
import { clusterMigrations } from '../cluster/index.js';

/** Every module's migrations: one history, applied by `migrateToLatest` at startup (docs/designs/database.md). */
export const ALL_MIGRATIONS: MigrationSet[] = [
  clusterMigrations,
  eventMigrations,
  directoryMigrations,
  armMigrations,
  taskMigrations,
  triggerMigrations,
  registryMigrations,
  webhookMigrations,
  ...identityMigrationSets,
];
