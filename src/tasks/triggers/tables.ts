import type { MigrationSet } from '../../storage/index.js';

/** Durable trigger state: what each trigger last saw, so a restart neither misses nor repeats a firing. */
export interface TriggerTables {
  /** One row per watched source trigger: what it watches (url, branch, events, PR pattern) once baselined. */
  trigger_source_watch: { task_id_lower: string; trigger_name: string; watch: string; updated_at: string };
  /** The last commit seen per watched ref (the branch, or each pull-request ref). */
  trigger_source_refs: {
    task_id_lower: string;
    trigger_name: string;
    ref: string;
    commit_id: string;
    updated_at: string;
  };
  /** Base images of a task's last successful run (runtime, and buildtime for `All`). */
  trigger_base_images: {
    task_id_lower: string;
    kind: string;
    registry: string;
    repository: string;
    tag: string;
    digest: string;
    recorded_at: string;
  };
  /** The last occurrence handled per timer (or the moment the schedule was first seen). */
  trigger_timers: { task_id_lower: string; timer_name: string; schedule: string; last_occurrence: string };
}

export const triggerMigrations: MigrationSet = {
  '202611250001-triggers-state': {
    async up(db) {
      await db.schema
        .createTable('trigger_source_watch')
        .addColumn('task_id_lower', 'text', (c) => c.notNull())
        .addColumn('trigger_name', 'text', (c) => c.notNull())
        .addColumn('watch', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('trigger_source_watch_pk', ['task_id_lower', 'trigger_name'])
        .execute();
      await db.schema
        .createTable('trigger_source_refs')
        .addColumn('task_id_lower', 'text', (c) => c.notNull())
        .addColumn('trigger_name', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('commit_id', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('trigger_source_refs_pk', ['task_id_lower', 'trigger_name', 'ref'])
        .execute();
      await db.schema
        .createTable('trigger_base_images')
        .addColumn('task_id_lower', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('trigger_base_images_pk', ['task_id_lower', 'kind', 'registry', 'repository', 'tag'])
        .execute();
      await db.schema
        .createIndex('trigger_base_images_image')
        .on('trigger_base_images')
        .columns(['registry', 'repository', 'tag'])
        .execute();
      await db.schema
        .createTable('trigger_timers')
        .addColumn('task_id_lower', 'text', (c) => c.notNull())
        .addColumn('timer_name', 'text', (c) => c.notNull())
        .addColumn('schedule', 'text', (c) => c.notNull())
        .addColumn('last_occurrence', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('trigger_timers_pk', ['task_id_lower', 'timer_name'])
        .execute();
    },
  },
};
