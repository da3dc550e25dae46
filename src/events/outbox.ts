import { sql, type Generated, type Kysely, type Transaction } from 'kysely';
import { autoIdColumn, columnTypes, engineOf, type MigrationSet, type SqlDatabase } from '../storage/index.js';

export type EventType = 'image.pushed' | 'image.deleted' | 'run.finished';

export interface OutboxEvent {
  id: number;
  type: EventType;
  payload: Record<string, unknown>;
  createdAt: string;
}

interface OutboxTables {
  /** `consumed_by` is no longer written (consumers keep a cursor); kept for databases that have it filled. */
  outbox: { id: Generated<number>; type: string; payload: string; created_at: string; consumed_by: string };
  /** Per consumer: every event with `id <= last_id` is handled (or not of a type it reads). */
  outbox_cursors: { consumer: string; last_id: number; updated_at: string };
}

export const eventMigrations: MigrationSet = {
  '202611230001-events-outbox': {
    async up(db) {
      await db.schema
        .createTable('outbox')
        .addColumn('id', ...autoIdColumn(db))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('consumed_by', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema.createIndex('outbox_type').on('outbox').column('type').execute();
    },
  },
  '202612010003-events-outbox-cursors': {
    async up(db) {
      await db.schema
        .createTable('outbox_cursors')
        .addColumn('consumer', 'text', (c) => c.primaryKey())
        .addColumn('last_id', columnTypes(db).bigint, (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // `type in (...) and id > cursor order by id` walks this index from the cursor on.
      await db.schema.createIndex('outbox_type_id').on('outbox').columns(['type', 'id']).execute();
      await db.schema.dropIndex('outbox_type').execute();
      // Only SQLite files can hold events marked the old way (PostgreSQL databases start with this schema).
      if (engineOf(db) !== 'sqlite') return;
      // Each consumer that marked events before: its cursor is just below the first event (of the types it has
      // consumed) it did not mark, or the newest event when it marked them all.
      await sql`
        insert into outbox_cursors (consumer, last_id, updated_at)
        select c.consumer,
          coalesce(
            (select min(o.id) - 1 from outbox o
              where o.type in (select distinct o2.type from outbox o2, json_each(o2.consumed_by) j2 where j2.value = c.consumer)
                and not exists (select 1 from json_each(o.consumed_by) j where j.value = c.consumer)),
            (select max(id) from outbox)),
          ${new Date().toISOString()}
        from (select distinct j.value as consumer from outbox, json_each(outbox.consumed_by) j) c`.execute(db);
    },
  },
};

/** Writes an event in the caller's transaction, so the event exists if and only if the change does. */
export async function writeEvent(
  trx: Transaction<unknown> | Kysely<unknown> | SqlDatabase,
  type: EventType,
  payload: Record<string, unknown>,
  at: Date = new Date(),
): Promise<void> {
  const db = trx as unknown as Kysely<OutboxTables>;
  await db
    .insertInto('outbox')
    .values({ type, payload: JSON.stringify(payload), created_at: at.toISOString(), consumed_by: '[]' })
    .execute();
}

async function cursorOf(k: Kysely<OutboxTables>, consumer: string): Promise<number> {
  const row = await k
    .selectFrom('outbox_cursors')
    .select('last_id')
    .where('consumer', '=', consumer)
    .executeTakeFirst();
  return row?.last_id ?? 0;
}

/** Moves a cursor forward to `id` (never back); true when it moved (portable: one conditional upsert). */
async function advance(k: Kysely<OutboxTables>, consumer: string, id: number): Promise<boolean> {
  const r = await k
    .insertInto('outbox_cursors')
    .values({ consumer, last_id: id, updated_at: new Date().toISOString() })
    .onConflict((oc) =>
      oc
        .column('consumer')
        .doUpdateSet({ last_id: sql`excluded.last_id`, updated_at: sql`excluded.updated_at` })
        .where('outbox_cursors.last_id', '<', id),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Durable consumption: a consumer reads the events after its cursor (an indexed range, never the whole outbox),
 * and handles each in a transaction that first claims it ({@link claimEvent}). With several API nodes each reading
 * the same events, the claim (a conditional cursor move) lets exactly one of them handle an event. When nothing of
 * its types is pending, the cursor moves over the other events up to the newest, so they can be pruned.
 */
export async function pendingEvents(
  db: SqlDatabase,
  consumer: string,
  types: EventType[],
  limit = 100,
): Promise<OutboxEvent[]> {
  const k = db as Kysely<OutboxTables>;
  // The high-water mark first: every event up to it is committed (ids are handed out under the write lock), so
  // moving the cursor to it when none of our types is in (cursor, hw] skips nothing.
  const newest = await k
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  const hw = Number(newest?.id ?? 0);
  const cursor = await cursorOf(k, consumer);
  const rows = await k
    .selectFrom('outbox')
    .selectAll()
    .where('type', 'in', types)
    .where('id', '>', cursor)
    .where('id', '<=', hw)
    .orderBy('id')
    .limit(limit)
    .execute();
  // Registers the consumer too (cursor 0 on an empty outbox), so pruning waits for it from now on.
  if (rows.length === 0 && (hw > cursor || cursor === 0)) await advance(k, consumer, hw);
  return rows.map((r) => ({
    id: r.id,
    type: r.type as EventType,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    createdAt: r.created_at,
  }));
}

/**
 * Claims an event for `consumer` in the handling transaction: moves the cursor to `id` unless it is already there
 * (another node, or an earlier pass, handled it). Call it FIRST in the transaction (the write takes the row lock, so a
 * second node waits and then sees the moved cursor) and handle the event only when it returns true.
 */
export async function claimEvent(
  trx: Transaction<unknown> | SqlDatabase,
  consumer: string,
  id: number,
): Promise<boolean> {
  return advance(trx as unknown as Kysely<OutboxTables>, consumer, id);
}

/** Marks an event (and, since events are handled in order, every earlier one) handled; use the handling transaction. */
export async function markConsumed(db: SqlDatabase, consumer: string, id: number): Promise<void> {
  await advance(db as Kysely<OutboxTables>, consumer, id);
}

/** The consumers' cursors (inspection and tests). */
export async function outboxCursors(db: SqlDatabase): Promise<Record<string, number>> {
  const rows = await (db as Kysely<OutboxTables>).selectFrom('outbox_cursors').selectAll().execute();
  return Object.fromEntries(rows.map((r) => [r.consumer, r.last_id]));
}

/**
 * Deletes events every known consumer has passed and older than the retention, in batches. Nothing is deleted
 * while no consumer has registered. Returns the number deleted.
 */
export async function pruneOutbox(
  db: SqlDatabase,
  retentionHours: number,
  now: Date = new Date(),
  batch = 5000,
): Promise<number> {
  const k = db as Kysely<OutboxTables>;
  const low = await k
    .selectFrom('outbox_cursors')
    .select((eb) => eb.fn.min('last_id').as('id'))
    .executeTakeFirst();
  if (low?.id === null || low?.id === undefined) return 0;
  const upTo = Number(low.id);
  const cutoff = new Date(now.getTime() - retentionHours * 3_600_000).toISOString();
  let deleted = 0;
  for (;;) {
    const r = await k
      .deleteFrom('outbox')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('outbox')
          .select('id')
          .where('id', '<=', upTo)
          .where('created_at', '<', cutoff)
          .orderBy('id')
          .limit(batch),
      )
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    deleted += n;
    if (n < batch) return deleted;
  }
}

/** Prunes every `intervalMs` (first pass after one interval); `stop` waits for a pass in flight. */
export function startOutboxPruner(
  db: SqlDatabase,
  opts: {
    retentionHours: number;
    /** With several API nodes: one prune at a time (a lease with expiry). */
    leases?: { withLease<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> };
    intervalMs?: number;
    onError?: (err: unknown) => void;
    onPruned?: (n: number) => void;
  },
): { stop(): Promise<void> } {
  let current: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const prune = () => pruneOutbox(db, opts.retentionHours);
    current = (opts.leases ? opts.leases.withLease('events.outbox-prune', 120_000, prune) : prune())
      .then((n) => (n ? opts.onPruned?.(n) : undefined))
      .catch((err: unknown) => opts.onError?.(err));
  }, opts.intervalMs ?? 600_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
