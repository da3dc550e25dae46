import type { MigrationSet } from '../storage/index.js';

export interface ArmTables {
  subscriptions: { subscription_id: string; tenant_id: string; display_name: string; is_default: number };
  resource_groups: {
    id: string;
    subscription_id: string;
    name: string;
    name_lower: string;
    location: string;
    tags: string;
    created_at: string;
  };
  registries: {
    id: string;
    id_lower: string;
    name: string;
    name_lower: string;
    subscription_id: string;
    resource_group: string;
    location: string;
    sku: string;
    admin_user_enabled: number;
    anonymous_pull_enabled: number;
    public_network_access: string;
    network_rule_set: string;
    network_rule_bypass_options: string;
    network_rule_bypass_allowed_for_tasks: number;
    login_server: string;
    port: number;
    tags: string;
    creation_date: string;
    /** JSON `{days, status, lastUpdatedTime}`; null = never set (days 7, disabled). */
    retention_policy: string | null;
  };
  user_assigned_identities: {
    id: string;
    id_lower: string;
    name: string;
    subscription_id: string;
    resource_group: string;
    location: string;
    principal_id: string;
    client_id: string;
    tenant_id: string;
    tags: string;
  };
}

export const armMigrations: MigrationSet = {
  '202611230020-arm-resources': {
    async up(db) {
      await db.schema
        .createTable('subscriptions')
        .addColumn('subscription_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('resource_groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lower', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('rg_unique', ['subscription_id', 'name_lower'])
        .execute();
      await db.schema
        .createTable('registries')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('id_lower', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_lower', 'text', (c) => c.notNull().unique())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('resource_group', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('sku', 'text', (c) => c.notNull())
        .addColumn('admin_user_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('anonymous_pull_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('public_network_access', 'text', (c) => c.notNull().defaultTo('Enabled'))
        .addColumn('network_rule_set', 'text', (c) => c.notNull())
        .addColumn('network_rule_bypass_options', 'text', (c) => c.notNull().defaultTo('AzureServices'))
        .addColumn('network_rule_bypass_allowed_for_tasks', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('login_server', 'text', (c) => c.notNull())
        .addColumn('port', 'integer', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('creation_date', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('user_assigned_identities')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('id_lower', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('resource_group', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
    },
  },
  '202612010002-registry-retention-policy': {
    async up(db) {
      await db.schema.alterTable('registries').addColumn('retention_policy', 'text').execute();
    },
  },
};
