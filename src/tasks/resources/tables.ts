import type { MigrationSet } from '../../storage/index.js';

export interface TaskTables {
  tasks: {
    id: string;
    id_lower: string;
    name: string;
    registry_name: string;
    registry_id_lower: string;
    location: string;
    /** The task resource's properties (status, platform, step, trigger, credentials, timeout...) as JSON. */
    properties: string;
    /** The identity block as JSON (null when none). */
    identity: string | null;
    /** Secret values (set-secret, credential passwords) kept apart from `properties`: a JSON map sealed with the data-at-rest key (`enc:v1:...`; plaintext JSON in rows from before). */
    secure: string;
    tags: string;
    creation_date: string;
  };
  runs: {
    registry_name: string;
    run_id: string;
    seq: number;
    task_name: string | null;
    status: string;
    run_type: string;
    create_time: string;
    start_time: string | null;
    finish_time: string | null;
    last_updated_time: string;
    /** Everything the executor needs: the task snapshot, overrides, trigger details. JSON. */
    request: string;
    /** Outputs: outputImages, runErrorMessage, trigger fields, platform... JSON. */
    result: string;
    log_token: string;
    timeout: number;
    /** The run's secret values (`secureValues`), sealed with the data-at-rest key (`enc:v1:...`); never in `request`. */
    secure: string;
    /** Agent pool (lower-case) the run must run on; null: the server's own workers run it. */
    agent_pool: string | null;
    /** Who holds the run: an agent id (`agent:<pool>:<uuid>`) or null (queued, or a local worker). */
    claimed_by: string | null;
    /** ISO time the agent's lease ends unless renewed by a heartbeat. */
    lease_until: string | null;
    /** sha256 (hex) of the run-scoped credential handed to the agent holding the lease. */
    lease_hash: string | null;
  };
  agent_pools: {
    id_lower: string;
    id: string;
    name: string;
    registry_name: string;
    location: string;
    tags: string;
    count: number;
    tier: string;
    os: string;
    subnet_id: string | null;
    provisioning_state: string;
    /** sha256 (hex) of the pool's agent credential; null until one is issued. */
    credential_hash: string | null;
    credential_created: string | null;
    /** Set by DELETE: the pool shows as `Deleting` briefly (az polls it), then it is gone. */
    deleted_at: string | null;
    creation_date: string;
  };
  run_counters: { registry_name: string; prefix: string; next: number };
  /** Agent runs' logs as ordered chunks (already masked): any API node serves them. */
  run_log_chunks: { registry_name: string; run_id: string; seq: number; text: string };
  /**
   * Build-source uploads of quick runs: one row per upload URL (listBuildSourceUploadUrl). `file` is the archive's
   * name in the blob store, set once (single use) when a Put Blob or Put Block List completed.
   */
  run_source_uploads: {
    token: string;
    created_at: string;
    expires_at: string;
    file: string | null;
    size: number | null;
    committed_at: string | null;
  };
  /** Blocks staged by Put Block (files in the blob store) until a Put Block List assembles them. */
  run_source_blocks: { token: string; block_id: string; file: string; size: number; staged_at: string };
}

export const taskMigrations: MigrationSet = {
  '202611230030-tasks-resources': {
    async up(db) {
      await db.schema
        .createTable('tasks')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('id_lower', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('registry_name', 'text', (c) => c.notNull())
        .addColumn('registry_id_lower', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('properties', 'text', (c) => c.notNull())
        .addColumn('identity', 'text')
        .addColumn('secure', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('creation_date', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('runs')
        .addColumn('registry_name', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('task_name', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('run_type', 'text', (c) => c.notNull())
        .addColumn('create_time', 'text', (c) => c.notNull())
        .addColumn('start_time', 'text')
        .addColumn('finish_time', 'text')
        .addColumn('last_updated_time', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('result', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('log_token', 'text', (c) => c.notNull())
        .addColumn('timeout', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('runs_pk', ['registry_name', 'run_id'])
        .execute();
      await db.schema.createIndex('runs_status').on('runs').column('status').execute();
      await db.schema
        .createTable('run_counters')
        .addColumn('registry_name', 'text', (c) => c.primaryKey())
        .addColumn('prefix', 'text', (c) => c.notNull())
        .addColumn('next', 'integer', (c) => c.notNull())
        .execute();
    },
  },
  '202612010001-tasks-run-secure': {
    async up(db) {
      // Rows written before this column keep their secure values in `request` until RunStore.sealLegacyRows moves them.
      await db.schema
        .alterTable('runs')
        .addColumn('secure', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
    },
  },
  '202612010002-tasks-runs-by-registry': {
    async up(db) {
      // Run lists page newest-first by seq per registry (`$top`/`$skipToken`): an index, not a sort of every run.
      await db.schema.createIndex('runs_registry_seq').on('runs').columns(['registry_name', 'seq']).execute();
    },
  },
  '202612020001-tasks-agent-pools': {
    async up(db) {
      await db.schema
        .createTable('agent_pools')
        .addColumn('id_lower', 'text', (c) => c.primaryKey())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('registry_name', 'text', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('tier', 'text', (c) => c.notNull())
        .addColumn('os', 'text', (c) => c.notNull())
        .addColumn('subnet_id', 'text')
        .addColumn('provisioning_state', 'text', (c) => c.notNull())
        .addColumn('credential_hash', 'text')
        .addColumn('credential_created', 'text')
        .addColumn('deleted_at', 'text')
        .addColumn('creation_date', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('agent_pools_registry').on('agent_pools').column('registry_name').execute();
      // Runs for a pool are leased by its agents; pool-less runs by the server's workers (docs/designs/agent-pools.md).
      for (const col of ['agent_pool', 'claimed_by', 'lease_until', 'lease_hash'])
        await db.schema.alterTable('runs').addColumn(col, 'text').execute();
      await db.schema.createIndex('runs_pool_status').on('runs').columns(['agent_pool', 'status']).execute();
      await db.schema
        .createTable('run_log_chunks')
        .addColumn('registry_name', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_log_chunks_pk', ['registry_name', 'run_id', 'seq'])
        .execute();
    },
  },
  '202612090001-tasks-run-sources': {
    async up(db) {
      // Build-source uploads shared by every API node (docs/designs/several-nodes.md): the archive is in the blob
      // store, the single-use token and the staged blocks are rows here.
      await db.schema
        .createTable('run_source_uploads')
        .addColumn('token', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('file', 'text')
        .addColumn('size', 'integer')
        .addColumn('committed_at', 'text')
        .execute();
      await db.schema.createIndex('run_source_uploads_expiry').on('run_source_uploads').column('expires_at').execute();
      await db.schema
        .createTable('run_source_blocks')
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('block_id', 'text', (c) => c.notNull())
        .addColumn('file', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('staged_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_source_blocks_pk', ['token', 'block_id'])
        .execute();
    },
  },
};
