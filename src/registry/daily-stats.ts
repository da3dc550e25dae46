import { sql, type Kysely } from 'kysely';
import type { MigrationSet, SqlDatabase } from '../storage/index.js';
import type { Clock } from '../shared/index.js';
import type { RegistryObserver } from './ports.js';

/** One row per registry and UTC day: manifest pushes and pulls, bytes moved, and the storage used at the last flush. */
export interface DailyStatsTables {
  reg_daily_stats: {
    registry: string;
    day: string;
    pushes: number;
    pulls: number;
    bytes_pushed: number;
    bytes_pulled: number;
    storage_bytes: number | null;
  };
}

export const dailyStatsMigrations: MigrationSet = {
  '202612020001-registry-daily-stats': {
    async up(db) {
      await db.schema
        .createTable('reg_daily_stats')
        .addColumn('registry', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('pushes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('pulls', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('bytes_pushed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('bytes_pulled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('storage_bytes', 'integer')
        .addPrimaryKeyConstraint('reg_daily_stats_pk', ['registry', 'day'])
        .execute();
    },
  },
};

export interface DailyTraffic {
  day: string;
  pushes: number;
  pulls: number;
  bytesPushed: number;
  bytesPulled: number;
  /** Storage used at the end of the day's last activity (null: no sample that day). */
  storageBytes: number | null;
}

interface Pending {
  pushes: number;
  pulls: number;
  bytesPushed: number;
  bytesPulled: number;
}

export const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

/**
 * Per-day registry activity for the dashboard's charts (ACR's "successful pull/push count" and storage used). The
 * data plane reports through `RegistryObserver` (cheap, in memory); counts are written in one upsert per registry and
 * day every `flushMs` (and on close), with a storage sample taken then, so the request path never waits on SQL.
 * A push or pull is a manifest put or get (as ACR counts them); blob bytes add to the byte totals.
 */
export class DailyStats implements RegistryObserver {
  private readonly db: Kysely<DailyStatsTables>;
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    db: SqlDatabase,
    private readonly storageBytesOf: (registry: string) => Promise<number>,
    private readonly clock: Clock,
    private readonly onError: (err: Error) => void,
    flushMs = 10_000,
  ) {
    this.db = db as Kysely<DailyStatsTables>;
    if (flushMs > 0) {
      this.timer = setInterval(() => void this.flush().catch(onError), flushMs);
      this.timer.unref();
    }
  }

  private bump(registry: string, f: (p: Pending) => void): void {
    const key = `${registry}\n${utcDay(this.clock.now())}`;
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { pushes: 0, pulls: 0, bytesPushed: 0, bytesPulled: 0 }));
    f(p);
  }

  pushed(registry: string, kind: 'blob' | 'manifest', bytes: number): void {
    this.bump(registry, (p) => {
      if (kind === 'manifest') p.pushes++;
      p.bytesPushed += bytes;
    });
  }

  pulled(registry: string, kind: 'blob' | 'manifest', bytes: number): void {
    this.bump(registry, (p) => {
      if (kind === 'manifest') p.pulls++;
      p.bytesPulled += bytes;
    });
  }

  /** Writes what is pending (serialized: one flush at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [key, p] of batch) {
      const [registry, day] = key.split('\n');
      const storage = await this.storageBytesOf(registry);
      await this.db
        .insertInto('reg_daily_stats')
        .values({
          registry,
          day,
          pushes: p.pushes,
          pulls: p.pulls,
          bytes_pushed: p.bytesPushed,
          bytes_pulled: p.bytesPulled,
          storage_bytes: storage,
        })
        .onConflict((oc) =>
          oc.columns(['registry', 'day']).doUpdateSet({
            pushes: sql`reg_daily_stats.pushes + excluded.pushes`,
            pulls: sql`reg_daily_stats.pulls + excluded.pulls`,
            bytes_pushed: sql`reg_daily_stats.bytes_pushed + excluded.bytes_pushed`,
            bytes_pulled: sql`reg_daily_stats.bytes_pulled + excluded.bytes_pulled`,
            storage_bytes: sql`excluded.storage_bytes`,
          }),
        )
        .execute();
    }
  }

  /**
   * The last `days` UTC days (oldest first, today included), every day present: days without activity count 0 and
   * carry the storage of the last sampled day before them; today's storage is the live value.
   */
  async series(registry: string, days: number): Promise<DailyTraffic[]> {
    await this.flush();
    const today = this.clock.now();
    const dayList = Array.from({ length: days }, (_, i) =>
      utcDay(new Date(today.getTime() - (days - 1 - i) * 86_400_000)),
    );
    const rows = await this.db
      .selectFrom('reg_daily_stats')
      .selectAll()
      .where('registry', '=', registry)
      .where('day', '>=', dayList[0])
      .execute();
    const before = await this.db
      .selectFrom('reg_daily_stats')
      .select('storage_bytes')
      .where('registry', '=', registry)
      .where('day', '<', dayList[0])
      .where('storage_bytes', 'is not', null)
      .orderBy('day', 'desc')
      .limit(1)
      .executeTakeFirst();
    const byDay = new Map(rows.map((r) => [r.day, r]));
    let storage: number | null = before?.storage_bytes ?? null;
    const out = dayList.map((day) => {
      const r = byDay.get(day);
      if (r?.storage_bytes !== null && r?.storage_bytes !== undefined) storage = Number(r.storage_bytes);
      return {
        day,
        pushes: Number(r?.pushes ?? 0),
        pulls: Number(r?.pulls ?? 0),
        bytesPushed: Number(r?.bytes_pushed ?? 0),
        bytesPulled: Number(r?.bytes_pulled ?? 0),
        storageBytes: storage,
      };
    });
    out[out.length - 1].storageBytes = await this.storageBytesOf(registry);
    return out;
  }

  async purgeRegistry(registry: string): Promise<void> {
    await this.flush();
    await this.db.deleteFrom('reg_daily_stats').where('registry', '=', registry).execute();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush().catch(this.onError);
  }
}

/** Tells every observer (metrics and the daily stats); an observer's failure never reaches the request. */
export function teeObserver(...observers: Array<RegistryObserver | undefined>): RegistryObserver {
  const list = observers.filter((o): o is RegistryObserver => !!o);
  return {
    pushed: (r, k, b) => list.forEach((o) => o.pushed(r, k, b)),
    pulled: (r, k, b) => list.forEach((o) => o.pulled(r, k, b)),
  };
}
