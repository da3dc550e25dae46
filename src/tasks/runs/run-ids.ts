import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
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
  // One atomic upsert (no read-then-write), so concurrent allocations on PostgreSQL never share a number.
  const row = await db
    .insertInto('run_counters')
    .values({ registry_name: key, prefix: prefixFor(key), next: 2 })
    .onConflict((oc) => oc.column('registry_name').doUpdateSet({ next: sql`run_counters.next + 1` }))
    .returning(['prefix', 'next'])
    .executeTakeFirstOrThrow();
  const seq = Number(row.next) - 1;
  return { runId: `${row.prefix}${seq.toString(36)}`, seq };
}
