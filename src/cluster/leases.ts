import type { Kysely } from 'kysely';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { SqlDatabase } from '../storage/index.js';
import type { ClusterTables } from './tables.js';

/** This process's name in lease rows: host, pid and a random suffix (a restarted process is a new holder). */
export const NODE_ID = `${hostname().slice(0, 60)}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * Named leases with expiry in the shared database: work that must run on one node at a time (GC, the outbox pruner)
 * takes the lease first. One conditional upsert, the same on SQLite and PostgreSQL: the row is inserted, or taken over
 * when it expired, or renewed by its holder; otherwise nothing changes and the caller skips the work. A holder that
 * dies simply stops renewing; another node takes over after the TTL.
 */
export class Leases {
  private readonly db: Kysely<ClusterTables>;

  constructor(
    db: SqlDatabase,
    readonly holder: string = NODE_ID,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.db = db as Kysely<ClusterTables>;
  }

  /** Takes or renews the lease for `ttlMs`; false when another holder has it. */
  async acquire(name: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const expires = new Date(now + ttlMs).toISOString();
    const r = await this.db
      .insertInto('cluster_leases')
      .values({ name, holder: this.holder, expires_at: expires })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder: this.holder, expires_at: expires })
          .where((eb) =>
            eb.or([
              eb('cluster_leases.expires_at', '<', new Date(now).toISOString()),
              eb('cluster_leases.holder', '=', this.holder),
            ]),
          ),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Gives the lease up (only if this holder has it). */
  async release(name: string): Promise<void> {
    await this.db.deleteFrom('cluster_leases').where('name', '=', name).where('holder', '=', this.holder).execute();
  }

  /** Runs `fn` while holding the lease (renewed every ttl/3); returns undefined without running when it is taken. */
  async withLease<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> {
    if (!(await this.acquire(name, ttlMs))) return undefined;
    const renew = setInterval(() => void this.acquire(name, ttlMs).catch(() => undefined), Math.max(1, ttlMs / 3));
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await this.release(name).catch(() => undefined);
    }
  }

  /** The current holder of a lease that has not expired (inspection and tests). */
  async holderOf(name: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('cluster_leases')
      .select(['holder', 'expires_at'])
      .where('name', '=', name)
      .executeTakeFirst();
    return row && row.expires_at >= new Date(this.now()).toISOString() ? row.holder : undefined;
  }
}
