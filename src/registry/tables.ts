import { columnTypes, type MigrationSet } from '../storage/index.js';
import { tokenMigrations, type TokenTables } from './token-tables.js';
import { lockMigrations, type LockTables } from './locks.js';
import { digestMarkMigrations } from './digest-marks.js';
import { dailyStatsMigrations } from './daily-stats.js';

/** The registry module's tables (metadata only; blob bytes live in the BlobStore). */
export interface RegistryTables extends TokenTables, LockTables {
  reg_repositories: { registry: string; name: string; created_at: string; updated_at: string };
  reg_manifests: {
    registry: string;
    repository: string;
    digest: string;
    media_type: string;
    artifact_type: string | null;
    subject: string | null;
    size: number;
    content: Buffer;
    annotations: string | null;
    created_at: string;
    /** When the manifest lost its last tag (retention counts from here); null while tagged or never tagged. */
    untagged_at: string | null;
    /** Filled at push (or by the backfill) so listings never read config blobs: see manifest-summary.ts. */
    image_size: number | null;
    config_media_type: string | null;
    architecture: string | null;
    os: string | null;
    /** 1 once the four columns above are filled. */
    summarized: number;
  };
  reg_tags: {
    registry: string;
    repository: string;
    tag: string;
    digest: string;
    created_at: string;
    updated_at: string;
  };
  /** Blobs (layers/configs) reachable in a repository; `touched_at` starts the GC grace period. */
  reg_blob_links: { registry: string; repository: string; digest: string; size: number; touched_at: string };
  /** Blobs and child manifests each manifest references. */
  reg_manifest_refs: { registry: string; repository: string; manifest: string; ref: string; kind: string };
  reg_uploads: { id: string; registry: string; repository: string; started_at: string };
  reg_admin_credentials: { registry_id: string; password1: string; password2: string; updated_at: string };
}

export const registryMigrations: MigrationSet = {
  '202611240001-registry-metadata': {
    async up(db) {
      await db.schema
        .createTable('reg_repositories')
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reg_repositories_pk', ['registry', 'name'])
        .execute();
      await db.schema
        .createTable('reg_manifests')
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('media_type', 'text', (c) => c.notNull())
        .addColumn('artifact_type', 'text')
        .addColumn('subject', 'text')
        .addColumn('size', columnTypes(db).bigint, (c) => c.notNull())
        .addColumn('content', columnTypes(db).blob, (c) => c.notNull())
        .addColumn('annotations', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reg_manifests_pk', ['registry', 'repository', 'digest'])
        .execute();
      await db.schema
        .createIndex('reg_manifests_subject')
        .on('reg_manifests')
        .columns(['registry', 'repository', 'subject'])
        .execute();
      await db.schema
        .createTable('reg_tags')
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('tag', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reg_tags_pk', ['registry', 'repository', 'tag'])
        .execute();
      await db.schema
        .createIndex('reg_tags_digest')
        .on('reg_tags')
        .columns(['registry', 'repository', 'digest'])
        .execute();
      await db.schema
        .createTable('reg_blob_links')
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('size', columnTypes(db).bigint, (c) => c.notNull())
        .addColumn('touched_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reg_blob_links_pk', ['registry', 'repository', 'digest'])
        .execute();
      await db.schema.createIndex('reg_blob_links_digest').on('reg_blob_links').column('digest').execute();
      await db.schema
        .createTable('reg_manifest_refs')
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('manifest', 'text', (c) => c.notNull())
        .addColumn('ref', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reg_manifest_refs_pk', ['registry', 'repository', 'manifest', 'ref'])
        .execute();
      await db.schema.createIndex('reg_manifest_refs_ref').on('reg_manifest_refs').column('ref').execute();
      await db.schema
        .createTable('reg_uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('reg_admin_credentials')
        .addColumn('registry_id', 'text', (c) => c.primaryKey())
        .addColumn('password1', 'text', (c) => c.notNull())
        .addColumn('password2', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '202612010003-registry-untagged-at': {
    async up(db) {
      await db.schema.alterTable('reg_manifests').addColumn('untagged_at', 'text').execute();
    },
  },
  '202612010001-registry-manifest-summary': {
    async up(db) {
      // Config fields stored with the manifest (listings read no blobs); rows from before are filled by the backfill.
      await db.schema.alterTable('reg_manifests').addColumn('image_size', columnTypes(db).bigint).execute();
      await db.schema.alterTable('reg_manifests').addColumn('config_media_type', 'text').execute();
      await db.schema.alterTable('reg_manifests').addColumn('architecture', 'text').execute();
      await db.schema.alterTable('reg_manifests').addColumn('os', 'text').execute();
      await db.schema
        .alterTable('reg_manifests')
        .addColumn('summarized', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // `_manifests?orderby=timeasc|timedesc` pages walk this index; the digest order uses the primary key.
      await db.schema
        .createIndex('reg_manifests_created')
        .on('reg_manifests')
        .columns(['registry', 'repository', 'created_at', 'digest'])
        .execute();
      await db.schema
        .createIndex('reg_manifests_unsummarized')
        .on('reg_manifests')
        .column('summarized')
        .where('summarized', '=', 0)
        .execute();
    },
  },
  ...tokenMigrations,
  ...lockMigrations,
  ...digestMarkMigrations,
  ...dailyStatsMigrations,
};
