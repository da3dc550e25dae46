import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TaskTables } from '../resources/tables.js';

/**
 * ACR-style run ids: a two-letter prefix stable per registry followed by a per-registry counter in base 36
 * (`cf1`, `cf2` ... `cfz`, `cf10`). Short, unique within the registry, `[a-z0-9]+`, increasing in allocation order.
 */
export function prefixFor(registryName: string): string {
  const h = createHash('sha256').update(registryName.toLowerCase()).digest();
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return `c${letters[h[0] % 26]}`;
}

export async function nextRunId(db: Kysely<TaskTables>, registryName: string): Promise<{ runId: string; seq: number }> {
  const key = registryName.toLowerCase();
  // Inside a caller's transaction (a trigger claiming its firing) allocate in it; otherwise in a new one.
  const allocate = async (trx: Kysely<TaskTables>) => {
    const row = await trx.selectFrom('run_counters').selectAll().where('registry_name', '=', key).executeTakeFirst();
    const prefix = row?.prefix ?? prefixFor(key);
    const seq = row?.next ?? 1;
    if (row)
      await trx
        .updateTable('run_counters')
        .set({ next: seq + 1 })
        .where('registry_name', '=', key)
        .execute();
    else
      await trx
        .insertInto('run_counters')
        .values({ registry_name: key, prefix, next: seq + 1 })
        .execute();
    return { runId: `${prefix}${seq.toString(36)}`, seq };
  };
  return db.isTransaction ? allocate(db) : db.transaction().execute(allocate);
}
