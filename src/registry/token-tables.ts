import type { MigrationSet } from '../storage/index.js';

/** Tables of tokens and scope maps (repository-scoped credentials without an identity). */
export interface TokenTables {
  /** User-defined scope maps; the system ones (`_repositories_*`) are built in and never stored. */
  reg_scope_maps: {
    registry_id: string;
    name: string;
    description: string | null;
    actions: string;
    created_at: string;
  };
  /** `scope_map` is the map's name in the same registry; passwords are salted SHA-256 (`salt.hash`, base64url). */
  reg_tokens: {
    registry_id: string;
    name: string;
    scope_map: string;
    status: string;
    created_at: string;
    password1_hash: string | null;
    password1_created: string | null;
    password1_expiry: string | null;
    password2_hash: string | null;
    password2_created: string | null;
    password2_expiry: string | null;
  };
}

export const tokenMigrations: MigrationSet = {
  '202612010001-registry-tokens': {
    async up(db) {
      await db.schema
        .createTable('reg_scope_maps')
        .addColumn('registry_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('actions', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('reg_scope_maps_pk', ['registry_id', 'name'])
        .execute();
      let t = db.schema
        .createTable('reg_tokens')
        .addColumn('registry_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('scope_map', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull());
      for (const n of [1, 2])
        for (const f of ['hash', 'created', 'expiry']) t = t.addColumn(`password${n}_${f}`, 'text');
      await t.addPrimaryKeyConstraint('reg_tokens_pk', ['registry_id', 'name']).execute();
    },
  },
};
