import { sql, type Generated, type Kysely, type Transaction } from 'kysely';
import type { MigrationSet, SqlDatabase } from '../storage/index.js';

export type EventType = 'image.pushed' | 'image.deleted' | 'run.finished';

export interface OutboxEvent {
  id: number;
  type: EventType;
  payload: Record<string, unknown>;
  createdAt: string;
}

interface OutboxTables {
  outbox: { id: Generated<number>; type: string; payload: string; created_at: string; consumed_by: string };
}

export const eventMigrations: MigrationSet = {
  '202611230001-events-outbox': {
    async up(db) {
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('consumed_by', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
      await db.schema.createIndex('outbox_type').on('outbox').column('type').execute();
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
  await db.insertInto('outbox').values({ type, payload: JSON.stringify(payload), created_at: at.toISOString(), consumed_by: '[]' }).execute();
}

/**
 * Durable consumption: a consumer reads the events it has not yet marked, handles them, then marks them.
 * An event survives a restart between write and handling.
 */
export async function pendingEvents(db: SqlDatabase, consumer: string, types: EventType[], limit = 100): Promise<OutboxEvent[]> {
  const k = db as Kysely<OutboxTables>;
  const rows = await k
    .selectFrom('outbox')
    .selectAll()
    .where('type', 'in', types)
    .where(sql<boolean>`not exists (select 1 from json_each(consumed_by) where json_each.value = ${consumer})`)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, type: r.type as EventType, payload: JSON.parse(r.payload) as Record<string, unknown>, createdAt: r.created_at }));
}

export async function markConsumed(db: SqlDatabase, consumer: string, id: number): Promise<void> {
  const k = db as Kysely<OutboxTables>;
  await k
    .updateTable('outbox')
    .set({ consumed_by: sql`json_insert(consumed_by, '$[#]', ${consumer})` })
    .where('id', '=', id)
    .execute();
}
