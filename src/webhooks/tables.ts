import { autoIdColumn, type MigrationSet } from '../storage/index.js';

/** Webhooks and their deliveries. `service_uri` and `custom_headers` are sealed with the webhook cipher (secrets). */
export interface WebhookTables {
  webhooks: {
    id: string;
    id_lower: string;
    registry_lower: string;
    name: string;
    location: string;
    tags: string;
    status: string;
    scope: string;
    actions: string;
    service_uri: string;
    custom_headers: string;
    created_at: string;
  };
  /**
   * One row per event per webhook: `request` is the stored eventRequestMessage (custom header values masked),
   * `response` the last eventResponseMessage. `state` is pending until delivered or out of attempts.
   */
  webhook_events: {
    seq: number | null;
    id: string;
    webhook_id_lower: string;
    action: string;
    created_at: string;
    request: string;
    response: string | null;
    state: string;
    attempts: number;
    next_attempt_at: string;
  };
}

export const webhookMigrations: MigrationSet = {
  '202612010001-webhooks': {
    async up(db) {
      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('id_lower', 'text', (c) => c.primaryKey())
        .addColumn('registry_lower', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('actions', 'text', (c) => c.notNull())
        .addColumn('service_uri', 'text', (c) => c.notNull())
        .addColumn('custom_headers', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('webhooks_registry').on('webhooks').column('registry_lower').execute();
      await db.schema
        .createTable('webhook_events')
        .addColumn('seq', ...autoIdColumn(db))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('webhook_id_lower', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('response', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_events_hook')
        .on('webhook_events')
        .columns(['webhook_id_lower', 'seq'])
        .execute();
      await db.schema
        .createIndex('webhook_events_due')
        .on('webhook_events')
        .columns(['state', 'next_attempt_at'])
        .execute();
    },
  },
};
