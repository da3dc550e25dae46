import { sql, type Kysely } from 'kysely';
import { DockyardError } from '../shared/index.js';
import type { MigrationSet, SqlDatabase } from '../storage/index.js';
import { ReadCache } from './read-cache.js';

/** ACR's changeable attributes of a repository, tag or manifest (all true unless locked). */
export interface ChangeableAttributes {
  deleteEnabled: boolean;
  writeEnabled: boolean;
  readEnabled: boolean;
  listEnabled: boolean;
}
export type LockKind = 'repository' | 'tag' | 'manifest';
export type LockedOperation = 'read' | 'write' | 'delete';

export const OPEN: ChangeableAttributes = {
  deleteEnabled: true,
  writeEnabled: true,
  readEnabled: true,
  listEnabled: true,
};
const FLAGS = ['deleteEnabled', 'writeEnabled', 'readEnabled', 'listEnabled'] as const;

/** Only items with at least one flag off have a row; `item` is '' for the repository itself. */
export interface LockTables {
  reg_locks: {
    registry: string;
    repository: string;
    kind: string;
    item: string;
    delete_enabled: number;
    write_enabled: number;
    read_enabled: number;
    list_enabled: number;
  };
}

export const lockMigrations: MigrationSet = {
  '202612010002-registry-locks': {
    async up(db) {
      await db.schema
        .createTable('reg_locks')
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('repository', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('item', 'text', (c) => c.notNull())
        .addColumn('delete_enabled', 'integer', (c) => c.notNull())
        .addColumn('write_enabled', 'integer', (c) => c.notNull())
        .addColumn('read_enabled', 'integer', (c) => c.notNull())
        .addColumn('list_enabled', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('reg_locks_pk', ['registry', 'repository', 'kind', 'item'])
        .execute();
    },
  },
};

type Row = LockTables['reg_locks'];
const attrs = (r: Row | undefined): ChangeableAttributes =>
  r
    ? {
        deleteEnabled: r.delete_enabled === 1,
        writeEnabled: r.write_enabled === 1,
        readEnabled: r.read_enabled === 1,
        listEnabled: r.list_enabled === 1,
      }
    : { ...OPEN };

export function disallowed(): DockyardError {
  return new DockyardError('REGISTRY_DISALLOWED_OPERATION', undefined, { detail: {} });
}

/** Parses a PATCH body: flat `{writeEnabled: false, ...}` (az) or wrapped in `changeableAttributes`. */
export function parseAttributes(body: unknown): Partial<ChangeableAttributes> {
  const o = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const src = (
    o.changeableAttributes && typeof o.changeableAttributes === 'object' ? o.changeableAttributes : o
  ) as Record<string, unknown>;
  const out: Partial<ChangeableAttributes> = {};
  for (const f of FLAGS) {
    if (src[f] === undefined) continue;
    if (typeof src[f] !== 'boolean') throw new DockyardError('UNSUPPORTED', `'${f}' must be a boolean`);
    out[f] = src[f] as boolean;
  }
  return out;
}

/**
 * Locks (changeable attributes, acr-reference-2.md §3). `writeEnabled=false` blocks overwrite and delete,
 * `deleteEnabled=false` delete, `readEnabled=false` pull, `listEnabled=false` hides from listings. A repository's
 * attributes cover all its images; tag and manifest attributes are independent of each other.
 */
export class RegistryLocks {
  readonly db: Kysely<LockTables>;
  /** A repository's lock rows for `read` checks (every pull), reused ≤ 500 ms; writes here drop them at once. */
  private readonly hot = new ReadCache<Row[]>();

  constructor(db: SqlDatabase) {
    this.db = db as Kysely<LockTables>;
  }

  async get(registry: string, repository: string, kind: LockKind, item = ''): Promise<ChangeableAttributes> {
    return attrs(
      await this.db
        .selectFrom('reg_locks')
        .selectAll()
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('kind', '=', kind)
        .where('item', '=', item)
        .executeTakeFirst(),
    );
  }

  async set(
    registry: string,
    repository: string,
    kind: LockKind,
    item: string,
    patch: Partial<ChangeableAttributes>,
  ): Promise<ChangeableAttributes> {
    const next = { ...(await this.get(registry, repository, kind, item)), ...patch };
    try {
      await this.write(registry, repository, kind, item, next);
    } finally {
      this.hot.invalidate(registry);
    }
    return next;
  }

  private async write(
    registry: string,
    repository: string,
    kind: LockKind,
    item: string,
    next: ChangeableAttributes,
  ): Promise<void> {
    const where = this.db
      .deleteFrom('reg_locks')
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .where('kind', '=', kind)
      .where('item', '=', item);
    if (FLAGS.every((f) => next[f])) await where.execute();
    else {
      const v = {
        delete_enabled: +next.deleteEnabled,
        write_enabled: +next.writeEnabled,
        read_enabled: +next.readEnabled,
        list_enabled: +next.listEnabled,
      };
      await this.db
        .insertInto('reg_locks')
        .values({ registry, repository, kind, item, ...v })
        .onConflict((oc) => oc.columns(['registry', 'repository', 'kind', 'item']).doUpdateSet(v))
        .execute();
    }
  }

  /** All lock rows of a repository (usually none: one indexed read). */
  async ofRepository(registry: string, repository: string): Promise<Row[]> {
    return this.db
      .selectFrom('reg_locks')
      .selectAll()
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .execute();
  }

  /**
   * Throws REGISTRY_DISALLOWED_OPERATION when `op` is not allowed on the repository or on any of the given tags and
   * manifests. `read` needs readEnabled; `write` writeEnabled; `delete` writeEnabled and deleteEnabled.
   */
  async check(
    registry: string,
    repository: string,
    op: LockedOperation,
    items: { tags?: string[]; manifests?: string[] } = {},
  ): Promise<void> {
    // Pulls use the cached rows (a lock set through another API node applies here within 500 ms); writes and deletes
    // always read them fresh.
    const rows =
      op === 'read'
        ? await this.hot.get(registry, repository, () => this.ofRepository(registry, repository))
        : await this.ofRepository(registry, repository);
    if (!rows?.length) return;
    const blocked = (r: Row) =>
      op === 'read'
        ? r.read_enabled === 0
        : op === 'write'
          ? r.write_enabled === 0
          : r.write_enabled === 0 || r.delete_enabled === 0;
    for (const r of rows) {
      const applies =
        r.kind === 'repository' ||
        (r.kind === 'tag' && items.tags?.includes(r.item)) ||
        (r.kind === 'manifest' && items.manifests?.includes(r.item));
      if (applies && blocked(r)) throw disallowed();
    }
  }

  /** Forgets the attributes of deleted items (a tag pushed again later starts unlocked). */
  async forget(registry: string, repository: string, items?: { tags?: string[]; manifests?: string[] }): Promise<void> {
    let q = this.db.deleteFrom('reg_locks').where('registry', '=', registry).where('repository', '=', repository);
    if (items) {
      const tags = items.tags ?? [];
      const manifests = items.manifests ?? [];
      if (!tags.length && !manifests.length) return;
      q = q.where((eb) =>
        eb.or([
          eb.and([eb('kind', '=', 'tag'), eb('item', 'in', tags.length ? tags : [''])]),
          eb.and([eb('kind', '=', 'manifest'), eb('item', 'in', manifests.length ? manifests : [''])]),
        ]),
      );
    }
    try {
      await q.execute();
    } finally {
      this.hot.invalidate(registry);
    }
  }

  async purgeRegistry(registry: string): Promise<void> {
    try {
      await this.db.deleteFrom('reg_locks').where('registry', '=', registry).execute();
    } finally {
      this.hot.invalidate(registry);
    }
  }

  /** SQL condition for listings: the item is not hidden (`listEnabled=false`). */
  static visible(kind: LockKind, registryCol: string, repositoryCol: string, itemCol: string | null) {
    return sql<boolean>`not exists (select 1 from reg_locks l where l.registry = ${sql.ref(registryCol)} and l.repository = ${sql.ref(repositoryCol)} and l.kind = ${kind} and l.item = ${itemCol ? sql.ref(itemCol) : ''} and l.list_enabled = 0)`;
  }
}
