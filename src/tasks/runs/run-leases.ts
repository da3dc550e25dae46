import { createHash, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { knownSecrets, maskDeep, newSecret, SecretSet } from '../../shared/index.js';
import { engineOf } from '../../storage/index.js';
import type { TaskTables } from '../resources/tables.js';
import type { RunStore } from './run-store.js';
import { TERMINAL, type RunRecord, type RunResult, type RunStatus } from './model.js';

const ACTIVE = ['Started', 'Running'];

export const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Constant-time comparison of a presented secret with a stored sha256 (hex) of the real one. */
export function secretMatchesHash(presented: string, storedHash: string | null | undefined): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(sha256Hex(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Leases of runs by agents, in the database only (no process state): several API nodes can share one queue. Every
 * change is a conditional UPDATE (status, holder and lease hash in the WHERE clause), portable SQL for SQLite and
 * PostgreSQL; the loser of a race updates 0 rows.
 */
export class RunLeases {
  private readonly db: Kysely<TaskTables>;
  constructor(private readonly runs: RunStore) {
    this.db = runs.database;
  }

  /**
   * Leases the oldest queued run of a pool to an agent, unless `limit` runs of the pool are already leased. Returns
   * the run and its run-scoped credential (shown once; only its hash is stored).
   */
  async claimForPool(p: {
    registryName: string;
    pool: string;
    limit: number;
    agentId: string;
    leaseMs: number;
  }): Promise<{ run: RunRecord; token: string } | null> {
    const registry = p.registryName.toLowerCase();
    const pool = p.pool.toLowerCase();
    for (let attempt = 0; attempt < 5; attempt++) {
      const next = await this.db
        .selectFrom('runs')
        .selectAll()
        .where('registry_name', '=', registry)
        .where('agent_pool', '=', pool)
        .where('status', '=', 'Queued')
        .orderBy('create_time')
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      if (!next) return null;
      const now = new Date();
      const token = newSecret(32);
      const set = {
        status: 'Started',
        start_time: now.toISOString(),
        last_updated_time: now.toISOString(),
        claimed_by: p.agentId,
        lease_until: new Date(now.getTime() + p.leaseMs).toISOString(),
        lease_hash: sha256Hex(token),
      };
      // The pool's limit is part of the same statement: at most `count` runs of the pool leased at once.
      const claim = (db: Kysely<TaskTables>) =>
        db
          .updateTable('runs')
          .set(set)
          .where('registry_name', '=', next.registry_name)
          .where('run_id', '=', next.run_id)
          .where('status', '=', 'Queued')
          .where('claimed_by', 'is', null)
          .where(
            sql<number>`(select count(*) from runs as r2 where r2.registry_name = ${registry} and r2.agent_pool = ${pool} and r2.status in ('Started', 'Running'))`,
            '<',
            p.limit,
          )
          .executeTakeFirst();
      // SQLite runs one writer at a time, so the count above is exact. PostgreSQL's READ COMMITTED lets two claims
      // count the same snapshot: there the claim runs in a transaction holding the pool's advisory lock.
      const res =
        engineOf(this.db) === 'postgres'
          ? await this.db.transaction().execute(async (trx) => {
              await sql`select pg_advisory_xact_lock(hashtext(${`dockyard.agentpool:${registry}/${pool}`}))`.execute(
                trx,
              );
              return claim(trx);
            })
          : await claim(this.db);
      if (Number(res.numUpdatedRows) === 1) return { run: this.runs.recordOf({ ...next, ...set }), token };
      if ((await this.activeCount(registry, pool)) >= p.limit) return null;
    }
    return null;
  }

  /**
   * The run a run-scoped credential belongs to: `invalid` when the credential is not this run's, `ended` when the run
   * finished (or was canceled, or its lease expired) — the agent must stop.
   */
  async verify(registryName: string, runId: string, token: string): Promise<RunRecord | 'invalid' | 'ended'> {
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('registry_name', '=', registryName.toLowerCase())
      .where('run_id', '=', runId)
      .executeTakeFirst();
    if (!row || !secretMatchesHash(token, row.lease_hash)) return 'invalid';
    if (!ACTIVE.includes(row.status)) return 'ended';
    return this.runs.recordOf(row);
  }

  /** Heartbeat: extends the lease; false when the run is no longer this lease's (finished, canceled, expired). */
  async renew(run: RunRecord, token: string, leaseMs: number): Promise<boolean> {
    const now = new Date();
    const res = await this.db
      .updateTable('runs')
      .set({ lease_until: new Date(now.getTime() + leaseMs).toISOString() })
      .where('registry_name', '=', run.registryName.toLowerCase())
      .where('run_id', '=', run.runId)
      .where('lease_hash', '=', sha256Hex(token))
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async markRunning(run: RunRecord, token: string): Promise<boolean> {
    const res = await this.db
      .updateTable('runs')
      .set({ status: 'Running', last_updated_time: new Date().toISOString() })
      .where('registry_name', '=', run.registryName.toLowerCase())
      .where('run_id', '=', run.runId)
      .where('lease_hash', '=', sha256Hex(token))
      .where('status', 'in', ACTIVE)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Stores a terminal status once: only while the run is still active and (when `token` is given) still held by that
   * lease, or (when `leaseUntil` is given) still on the lease that expired. True when this call finished the run.
   */
  async finish(
    run: RunRecord,
    status: RunStatus,
    result: RunResult,
    guard: { token?: string; leaseUntil?: string },
  ): Promise<boolean> {
    if (!TERMINAL.includes(status)) throw new Error(`not a terminal status: ${status}`);
    const now = new Date().toISOString();
    const masked = maskDeep(result, new SecretSet().addAll(Object.values(run.request.secureValues)), knownSecrets);
    let q = this.db
      .updateTable('runs')
      .set({ status, last_updated_time: now, finish_time: now, result: JSON.stringify(masked), lease_until: null })
      .where('registry_name', '=', run.registryName.toLowerCase())
      .where('run_id', '=', run.runId)
      .where('status', 'in', ACTIVE);
    if (guard.token !== undefined) q = q.where('lease_hash', '=', sha256Hex(guard.token));
    if (guard.leaseUntil !== undefined) q = q.where('lease_until', '=', guard.leaseUntil);
    return Number((await q.executeTakeFirst()).numUpdatedRows) === 1;
  }

  /** Agent runs whose lease ran out (no heartbeat): their agents are gone. */
  async expired(now: Date = new Date()): Promise<Array<{ run: RunRecord; leaseUntil: string }>> {
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('agent_pool', 'is not', null)
      .where('status', 'in', ACTIVE)
      .where('lease_until', '<', now.toISOString())
      .execute();
    return rows.map((r) => ({ run: this.runs.recordOf(r), leaseUntil: r.lease_until! }));
  }

  async activeCount(registryName: string, pool: string): Promise<number> {
    const r = await this.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('registry_name', '=', registryName.toLowerCase())
      .where('agent_pool', '=', pool.toLowerCase())
      .where('status', 'in', ACTIVE)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** `listQueueStatus`: runs of the pool waiting for an agent. */
  async queuedCount(registryName: string, pool: string): Promise<number> {
    const r = await this.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('registry_name', '=', registryName.toLowerCase())
      .where('agent_pool', '=', pool.toLowerCase())
      .where('status', '=', 'Queued')
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Queued runs of a deleted pool can never run: they are failed with a reason. */
  async failQueuedOfPool(registryName: string, pool: string, reason: string): Promise<RunRecord[]> {
    const rows = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('registry_name', '=', registryName.toLowerCase())
      .where('agent_pool', '=', pool.toLowerCase())
      .where('status', '=', 'Queued')
      .execute();
    const out: RunRecord[] = [];
    for (const r of rows) {
      const now = new Date().toISOString();
      const res = await this.db
        .updateTable('runs')
        .set({
          status: 'Failed',
          finish_time: now,
          last_updated_time: now,
          result: JSON.stringify({ runErrorMessage: reason }),
        })
        .where('registry_name', '=', r.registry_name)
        .where('run_id', '=', r.run_id)
        .where('status', '=', 'Queued')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) out.push(this.runs.recordOf(r));
    }
    return out;
  }
}
