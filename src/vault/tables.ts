import { columnTypes, engineOf, type MigrationSet } from '../storage/index.js';

export interface VaultTables {
  key_vaults: {
    id: string;
    id_lower: string;
    name: string;
    name_lower: string;
    subscription_id: string;
    resource_group: string;
    location: string;
    tenant_id: string;
    sku: string;
    enable_rbac_authorization: number;
    access_policies: string;
    tags: string;
    created_at: string;
    created_by: string | null;
  };
  key_vault_secrets: {
    vault_lower: string;
    name: string;
    name_lower: string;
    version: string;
    value_enc: string;
    content_type: string | null;
    tags: string | null;
    enabled: number;
    exp: number | null;
    nbf: number | null;
    created: number;
    updated: number;
  };
}

export const vaultMigrations: MigrationSet = {
  '202611230030-vault-vaults-secrets': {
    async up(db) {
      await db.schema
        .createTable('key_vaults')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('id_lower', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lower', 'text', (c) => c.notNull().unique())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('resource_group', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('enable_rbac_authorization', 'integer', (c) => c.notNull())
        .addColumn('access_policies', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .execute();
      await db.schema
        .createTable('key_vault_secrets')
        .addColumn('vault_lower', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lower', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('value_enc', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text')
        .addColumn('tags', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('exp', columnTypes(db).bigint)
        .addColumn('nbf', columnTypes(db).bigint)
        .addColumn('created', columnTypes(db).bigint, (c) => c.notNull())
        .addColumn('updated', columnTypes(db).bigint, (c) => c.notNull())
        .addPrimaryKeyConstraint('key_vault_secrets_pk', ['vault_lower', 'name_lower', 'version'])
        .execute();
    },
  },
  '202612020001-vault-secret-insertion-order': {
    async up(db) {
      // Versions created within one second are ordered by insertion: SQLite's implicit rowid, a column on PostgreSQL.
      if (engineOf(db) !== 'postgres') return;
      await db.schema
        .alterTable('key_vault_secrets')
        .addColumn('seq', 'bigint', (c) => c.generatedByDefaultAsIdentity())
        .execute();
    },
  },
};

export type VaultRow = VaultTables['key_vaults'];
export type SecretRow = VaultTables['key_vault_secrets'];

export interface AccessPolicy {
  tenantId: string;
  objectId: string;
  applicationId: string | null;
  permissions: { keys: string[]; secrets: string[]; certificates: string[]; storage: string[] };
}
