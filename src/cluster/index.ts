export { clusterMigrations, type ClusterTables } from './tables.js';
export { Leases, NODE_ID } from './leases.js';
export { SharedKeys } from './shared-keys.js';
