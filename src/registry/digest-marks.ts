import type { Kysely } from 'kysely';
import { DockyardError } from '../shared/index.js';
import type { MigrationSet, SqlDatabase } from '../storage/index.js';

/**
 * Per-digest marks in the shared database that keep GC on one API node from deleting a blob an upload on another node
 * is committing and linking (DigestLocks only orders the two inside one process):
 * - a linker counts itself in (`linkers`, with a deadline `linking_until`) before it commits/links the digest, unless
 *   GC has doomed it, and out once its link is committed (from then on the link itself protects the blob);
 * - GC dooms a digest only when no linker is in, re-checks the links, deletes the blob, then drops the mark.
 * Both sides write the same primary-key row with a conditional upsert, so the database orders them (SQLite: one
 * writer; PostgreSQL: the row lock, the WHERE re-evaluated on the committed row). A mark left by a crashed node goes
 * stale (a linker's after LINK_WINDOW_MS, a doom after STALE_MS) and is taken over.
 */
export interface DigestMarkTables {
  reg_digest_marks: { digest: string; linkers: number; linking_until: string; doomed: number; doomed_at: string };
}

export const digestMarkMigrations: MigrationSet = {
  '202612020002-registry-digest-marks': {
    async up(db) {
      await db.schema
        .createTable('reg_digest_marks')
        .addColumn('digest', 'text', (c) => c.primaryKey())
        .addColumn('linkers', 'integer', (c) => c.notNull())
        .addColumn('linking_until', 'text', (c) => c.notNull())
        .addColumn('doomed', 'integer', (c) => c.notNull())
        .addColumn('doomed_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

/** Deadline of a linker (commit + link take far less); after it, a linker that never counted out is presumed dead. */
export const LINK_WINDOW_MS = 10 * 60_000;
/** A doom older than this belongs to a GC pass that died; linkers take the digest back. */
export const STALE_MS = 5 * 60_000;
const WAIT_MS = 25;
const WAIT_ROUNDS = 400;

export class DigestMarks {
  private readonly db: Kysely<DigestMarkTables>;

  constructor(
    db: SqlDatabase,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.db = db as Kysely<DigestMarkTables>;
  }

  private iso = (offsetMs = 0) => new Date(this.now() + offsetMs).toISOString();

  /** Counts a linker in; waits while a GC pass is deleting the digest (afterwards it is gone, and re-created). */
  async linking(digest: string): Promise<void> {
    for (let round = 0; round < WAIT_ROUNDS; round++) {
      const until = this.iso(LINK_WINDOW_MS);
      const r = await this.db
        .insertInto('reg_digest_marks')
        .values({ digest, linkers: 1, linking_until: until, doomed: 0, doomed_at: '' })
        .onConflict((oc) =>
          oc
            .column('digest')
            .doUpdateSet((eb) => ({
              linkers: eb(
                eb
                  .case()
                  .when(
                    eb.or([
                      eb('reg_digest_marks.doomed', '=', 1),
                      eb('reg_digest_marks.linking_until', '<', this.iso()),
                    ]),
                  )
                  .then(0)
                  .else(eb.ref('reg_digest_marks.linkers'))
                  .end(),
                '+',
                1,
              ),
              linking_until: until,
              doomed: 0,
              doomed_at: '',
            }))
            .where((eb) =>
              eb.or([
                eb('reg_digest_marks.doomed', '=', 0),
                eb('reg_digest_marks.doomed_at', '<', this.iso(-STALE_MS)),
              ]),
            ),
        )
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) return;
      await new Promise((res) => setTimeout(res, WAIT_MS));
    }
    throw new DockyardError('TOOMANYREQUESTS', 'the blob is being garbage-collected; retry the request');
  }

  /** Counts a linker out (its link is committed, or it gave up). */
  async linked(digest: string): Promise<void> {
    await this.db
      .updateTable('reg_digest_marks')
      .set((eb) => ({ linkers: eb('linkers', '-', 1) }))
      .where('digest', '=', digest)
      .where('doomed', '=', 0)
      .where('linkers', '>', 0)
      .execute();
  }

  /** GC: claims a digest for deletion; false while a linker is in (or another pass has it). */
  async doom(digest: string): Promise<boolean> {
    const now = this.iso();
    const r = await this.db
      .insertInto('reg_digest_marks')
      .values({ digest, linkers: 0, linking_until: '', doomed: 1, doomed_at: now })
      .onConflict((oc) =>
        oc
          .column('digest')
          .doUpdateSet({ doomed: 1, doomed_at: now, linkers: 0 })
          .where((eb) =>
            eb.and([
              eb.or([eb('reg_digest_marks.linkers', '=', 0), eb('reg_digest_marks.linking_until', '<', now)]),
              eb.or([
                eb('reg_digest_marks.doomed', '=', 0),
                eb('reg_digest_marks.doomed_at', '<', this.iso(-STALE_MS)),
              ]),
            ]),
          ),
      )
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** GC: drops its doom (blob deleted, or found linked after all). */
  async release(digest: string): Promise<void> {
    await this.db.deleteFrom('reg_digest_marks').where('digest', '=', digest).where('doomed', '=', 1).execute();
  }

  /** Drops marks no linker is in (one statement per GC pass; marks are tiny). */
  async sweep(): Promise<number> {
    const r = await this.db
      .deleteFrom('reg_digest_marks')
      .where('doomed', '=', 0)
      .where((eb) => eb.or([eb('linkers', '=', 0), eb('linking_until', '<', this.iso())]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
