import type { Kysely, Transaction } from 'kysely';
import type { Clock, Logger } from '../../shared/index.js';
import type { SqlDatabase } from '../../storage/index.js';
import type { Task } from '../resources/model.js';
import type { TaskStore } from '../resources/task-store.js';
import type { RunQueue } from '../runs/run-queue.js';
import { RunScheduler } from '../runs/run-scheduler.js';
import { PoolStore } from '../agents/pool-store.js';
import type { RunStore } from '../runs/run-store.js';
import type { RunRecord, RunTrigger } from '../runs/model.js';
import type { TriggerTables } from './tables.js';

/** What the triggers need from the task module and the platform. */
export interface TriggerDeps {
  db: SqlDatabase;
  tasks: Pick<TaskStore, 'all' | 'get'>;
  /** Runs are written in the trigger's transaction through `runs.withDb(trx)`. */
  runs: Pick<RunStore, 'withDb'>;
  queue: RunQueue;
  log: Logger;
  clock: Clock;
  /** Told after a trigger queued a run (metrics: trigger lag). Must not throw. */
  onQueued?: (trigger: RunTrigger, run: RunRecord) => void;
}

export type TriggerTx = Transaction<TriggerTables>;

/** The registry a task belongs to, as RunScheduler wants it (the task id is `<registryId>/tasks/<name>`). */
export function registryOf(task: Task): { id: string; name: string; resourceGroup: string } {
  const i = task.id.toLowerCase().lastIndexOf('/tasks/');
  return { id: task.id.slice(0, i), name: task.registryName, resourceGroup: task.resourceGroup };
}

export const taskEnabled = (task: Task): boolean => task.properties.status === 'Enabled';

/**
 * Claims a firing and queues the run in ONE transaction: `claim` moves the trigger's state forward (a compare-and-set
 * that returns false when another poll already did), and the run row is written only if it did. A crash leaves either
 * both or neither, so each event fires exactly one run.
 */
export async function fireOnce(
  deps: TriggerDeps,
  task: Task,
  trigger: RunTrigger,
  claim: (trx: TriggerTx) => Promise<boolean>,
): Promise<RunRecord | null> {
  const db = deps.db as Kysely<TriggerTables>;
  const run = await db
    .transaction()
    .execute(async (trx) => ((await claim(trx)) ? queueInTx(trx, deps, task, trigger) : null));
  if (run) announce(deps, task, run, trigger);
  return run;
}

/**
 * Writes a queued run in the caller's transaction (never query `deps.db` while it is open: one connection). A task on
 * an agent pool is queued for its pool (checked in the same transaction).
 */
export function queueInTx(trx: TriggerTx, deps: TriggerDeps, task: Task, trigger: RunTrigger): Promise<RunRecord> {
  const db = trx as unknown as SqlDatabase;
  return new RunScheduler(deps.runs.withDb(db), deps.queue, new PoolStore(db)).runTask(
    task,
    registryOf(task),
    {},
    trigger,
  );
}

/** After the transaction committed: wake a worker and log. */
export function announce(deps: TriggerDeps, task: Task, run: RunRecord, trigger: RunTrigger): void {
  deps.queue.notify();
  deps.onQueued?.(trigger, run);
  deps.log.info(
    { task: task.name, registry: task.registryName, runId: run.runId, trigger: trigger.kind },
    'trigger queued a run',
  );
}
