import type { MigrationSet } from '../storage/index.js';

/** Rows that make several `dockyard serve` processes on one database behave as one service. */
export interface ClusterTables {
  /** A named lease: `holder` owns the work until `expires_at` (ISO time); an expired lease may be taken over. */
  cluster_leases: { name: string; holder: string; expires_at: string };
  /** Installation-wide keys, sealed with the master key (secretKeyFile): every node reads the same ones. */
  cluster_keys: { name: string; value: string; created_at: string };
}

export const clusterMigrations: MigrationSet = {
  '202612020001-cluster-leases-keys': {
    async up(db) {
      await db.schema
        .createTable('cluster_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('cluster_keys')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};
