import { sql, type Kysely } from 'kysely';
import type { SqlDatabase } from '../../storage/index.js';
import type { TaskTables } from '../resources/tables.js';

export interface RunStats {
  /** Runs created per UTC day, by status (days without runs are absent). */
  daily: Array<{ day: string; status: string; count: number }>;
  /** The latest finished runs (at most 200), newest first, with how long they ran. */
  durations: Array<{ runId: string; task: string | null; status: string; finishTime: string; seconds: number }>;
}

/** What the dashboard's task charts show (the portal's Monitoring tab): runs per day by status and run durations. */
export async function runStats(
  database: SqlDatabase,
  registryName: string,
  since: string,
  task?: string,
): Promise<RunStats> {
  const db = database as Kysely<TaskTables>;
  const reg = registryName.toLowerCase();
  const taskFilter = task ? sql`and lower(task_name) = ${task.toLowerCase()}` : sql``;
  const daily = await sql<{ day: string; status: string; count: number }>`
    select substr(create_time, 1, 10) as day, status, count(*) as count from runs
    where registry_name = ${reg} and create_time >= ${since} ${taskFilter}
    group by day, status order by day, status`.execute(db);
  const finished = await sql<{
    run_id: string;
    task_name: string | null;
    status: string;
    start_time: string;
    finish_time: string;
  }>`
    select run_id, task_name, status, start_time, finish_time from runs
    where registry_name = ${reg} and finish_time is not null and start_time is not null and finish_time >= ${since}
    ${taskFilter} order by finish_time desc limit 200`.execute(db);
  return {
    daily: daily.rows.map((r) => ({ day: r.day, status: r.status, count: Number(r.count) })),
    durations: finished.rows.map((r) => ({
      runId: r.run_id,
      task: r.task_name,
      status: r.status,
      finishTime: r.finish_time,
      seconds: Math.max(0, (Date.parse(r.finish_time) - Date.parse(r.start_time)) / 1000),
    })),
  };
}
