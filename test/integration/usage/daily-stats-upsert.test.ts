import { test } from 'node:test';
import assert from 'node:assert/strict';
import { migrateToLatest } from '../../../src/storage/index.js';
import { DailyStats, dailyStatsMigrations } from '../../../src/registry/daily-stats.js';
import { openTestDatabase } from '../../helpers/database.js';

// Two flushes of the same registry and day add up (the upsert's `pushes + excluded.pushes` names the table's column:
// a bare `pushes` is ambiguous on PostgreSQL, which failed every second flush of a day there).
test('daily stats: a second flush of the same day adds to the first (SQLite and PostgreSQL)', async () => {
  const db = await openTestDatabase();
  try {
    await migrateToLatest(db, [dailyStatsMigrations]);
    const errors: Error[] = [];
    const clock = { now: () => new Date('2026-12-02T03:00:00Z') };
    const stats = new DailyStats(
      db,
      async () => 1000,
      clock as never,
      (e) => errors.push(e),
      0,
    );
    stats.pushed('reg', 'manifest', 10);
    stats.pulled('reg', 'blob', 5);
    await stats.flush();
    stats.pushed('reg', 'manifest', 20);
    stats.pulled('reg', 'manifest', 1);
    await stats.flush();
    const [day] = await stats.series('reg', 1);
    assert.deepEqual(
      { pushes: day.pushes, pulls: day.pulls, bytesPushed: day.bytesPushed, bytesPulled: day.bytesPulled },
      { pushes: 2, pulls: 1, bytesPushed: 30, bytesPulled: 6 },
    );
    assert.deepEqual(errors, []);
  } finally {
    await db.destroy();
  }
});
