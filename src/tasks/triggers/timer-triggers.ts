import type { Kysely } from 'kysely';
import type { Task, TimerTrigger } from '../resources/model.js';
import { fireOnce, taskEnabled, type TriggerDeps } from './fire.js';
import { occurrenceText, Schedule } from './cron.js';
import type { TriggerTables } from './tables.js';

/**
 * Timer triggers: five-field UTC NCrontab schedules, time from the injected clock. Each timer remembers the last
 * occurrence it handled; a tick fires one run for the latest due occurrence, so downtime is caught up once, not N times.
 * A new or changed schedule starts counting from the tick that first sees it.
 */
export class TimerTriggers {
  private readonly db: Kysely<TriggerTables>;
  private readonly schedules = new Map<string, Schedule | null>();

  constructor(private readonly deps: TriggerDeps) {
    this.db = deps.db as Kysely<TriggerTables>;
  }

  /** One pass at `now` (the clock's time by default); returns the number of runs queued. */
  async tick(now: Date = this.deps.clock.now()): Promise<number> {
    const tasks = await this.deps.tasks.all();
    const rows = await this.db.selectFrom('trigger_timers').selectAll().execute();
    const state = new Map(rows.map((r) => [`${r.task_id_lower}\n${r.timer_name}`, r]));
    const live = new Set<string>();
    let fired = 0;
    for (const task of tasks) {
      if (!taskEnabled(task)) continue;
      for (const timer of task.properties.trigger?.timerTriggers ?? []) {
        if (timer.status !== 'Enabled') continue;
        const key = `${task.id.toLowerCase()}\n${timer.name}`;
        live.add(key);
        try {
          if (await this.tickTimer(task, timer, state.get(key), now)) fired++;
        } catch (err) {
          this.deps.log.warn(
            { task: task.name, timer: timer.name, err: (err as Error).message },
            'timer trigger failed',
          );
        }
      }
    }
    // Disabled or removed timers forget their state: enabling one again never fires for the time it was off.
    for (const [key, r] of state) {
      if (!live.has(key))
        await this.db
          .deleteFrom('trigger_timers')
          .where('task_id_lower', '=', r.task_id_lower)
          .where('timer_name', '=', r.timer_name)
          .execute();
    }
    return fired;
  }

  private schedule(expression: string): Schedule | null {
    if (!this.schedules.has(expression)) {
      try {
        this.schedules.set(expression, new Schedule(expression));
      } catch (err) {
        this.deps.log.warn(
          { schedule: expression, err: (err as Error).message },
          'timer schedule is invalid; it never fires',
        );
        this.schedules.set(expression, null);
      }
    }
    return this.schedules.get(expression)!;
  }

  private async tickTimer(
    task: Task,
    timer: TimerTrigger,
    row: TriggerTables['trigger_timers'] | undefined,
    now: Date,
  ): Promise<boolean> {
    const taskKey = task.id.toLowerCase();
    if (!row || row.schedule !== timer.schedule) {
      await this.db
        .insertInto('trigger_timers')
        .values({
          task_id_lower: taskKey,
          timer_name: timer.name,
          schedule: timer.schedule,
          last_occurrence: now.toISOString(),
        })
        .onConflict((oc) =>
          oc
            .columns(['task_id_lower', 'timer_name'])
            .doUpdateSet({ schedule: timer.schedule, last_occurrence: now.toISOString() }),
        )
        .execute();
      return false;
    }
    const schedule = this.schedule(timer.schedule);
    const due = schedule?.latestDue(new Date(row.last_occurrence), now);
    if (!due) return false;
    const run = await fireOnce(
      this.deps,
      task,
      { kind: 'Timer', timerTrigger: { timerTriggerName: timer.name, scheduleOccurrence: occurrenceText(due) } },
      async (trx) => {
        const r = await trx
          .updateTable('trigger_timers')
          .set({ last_occurrence: due.toISOString() })
          .where('task_id_lower', '=', taskKey)
          .where('timer_name', '=', timer.name)
          .where('last_occurrence', '=', row.last_occurrence)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) === 1;
      },
    );
    return run !== null;
  }
}
