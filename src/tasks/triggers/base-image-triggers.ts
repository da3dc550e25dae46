import type { Kysely } from 'kysely';
import { claimEvent, pendingEvents, type OutboxEvent } from '../../events/index.js';
import { newGuid } from '../../shared/index.js';
import type { SqlDatabase } from '../../storage/index.js';
import type { Task } from '../resources/model.js';
import type { OutputImage, RunRecord, RunResult, RunStatus, RunTrigger } from '../runs/model.js';
import { announce, queueInTx, taskEnabled, type TriggerDeps } from './fire.js';
import type { TriggerTables } from './tables.js';

/** The outbox consumer name: each `image.pushed` event is handled once by this consumer, across restarts. */
export const BASE_IMAGE_CONSUMER = 'tasks.base-image-triggers';

interface PushedImage {
  loginServer: string;
  repository: string;
  tag: string;
  digest: string;
}

const sameImage = (a: OutputImage, b: OutputImage) =>
  a.registry.toLowerCase() === b.registry.toLowerCase() && a.repository === b.repository && a.tag === b.tag;

/**
 * Base-image update triggers. A task's last successful run records its runtime (and buildtime) base images with their
 * digests; an `image.pushed` event for such a tag with another digest queues the task once (Image Update) and moves
 * the recorded digest, so re-pushing the same manifest, or handling the event again, fires nothing.
 */
export class BaseImageTriggers {
  private readonly db: Kysely<TriggerTables>;
  constructor(private readonly deps: TriggerDeps) {
    this.db = deps.db as Kysely<TriggerTables>;
  }

  /** RunQueue.finished listener: remembers the dependencies of a task's successful run. */
  async recordRun(run: RunRecord, status: RunStatus, result: RunResult): Promise<void> {
    const taskId = run.request.taskId;
    if (status !== 'Succeeded' || !taskId || !result.dependencies) return;
    const outputs = result.outputImages ?? [];
    const rows = new Map<string, TriggerTables['trigger_base_images']>();
    // Dependencies count from when the run started: a push after that may not be in this build.
    const recordedAt = run.startTime ?? run.createTime;
    const add = (kind: 'runtime' | 'buildtime', img: OutputImage | null) => {
      if (!img || !img.digest || !img.tag || !img.registry || outputs.some((o) => sameImage(o, img))) return;
      const row = {
        task_id_lower: taskId.toLowerCase(),
        kind,
        registry: img.registry.toLowerCase(),
        repository: img.repository,
        tag: img.tag,
        digest: img.digest,
        recorded_at: recordedAt,
      };
      rows.set(`${kind}\n${row.registry}\n${row.repository}\n${row.tag}`, row);
    };
    for (const d of result.dependencies) {
      add('runtime', d.runtime);
      for (const b of d.buildtime) add('buildtime', b);
    }
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('trigger_base_images').where('task_id_lower', '=', taskId.toLowerCase()).execute();
      for (const row of rows.values()) await trx.insertInto('trigger_base_images').values(row).execute();
    });
  }

  /** The recorded base images of a task (for `show`-style inspection and tests). */
  async dependenciesOf(taskId: string): Promise<Array<TriggerTables['trigger_base_images']>> {
    return this.db
      .selectFrom('trigger_base_images')
      .selectAll()
      .where('task_id_lower', '=', taskId.toLowerCase())
      .orderBy('kind')
      .orderBy('repository')
      .execute();
  }

  /** Handles pending `image.pushed` events in order; returns the number of runs queued. */
  async processEvents(): Promise<number> {
    let fired = 0;
    for (;;) {
      const events = await pendingEvents(this.deps.db, BASE_IMAGE_CONSUMER, ['image.pushed'], 100);
      for (const ev of events) fired += await this.handle(ev);
      if (events.length < 100) return fired;
    }
  }

  private async handle(ev: OutboxEvent): Promise<number> {
    const p = ev.payload as Partial<PushedImage>;
    const image = p.loginServer && p.repository && p.tag && p.digest ? (p as PushedImage) : null;
    const candidates: Task[] = [];
    if (image) {
      const rows = await this.db
        .selectFrom('trigger_base_images')
        .select(['task_id_lower'])
        .distinct()
        .where('registry', '=', image.loginServer.toLowerCase())
        .where('repository', '=', image.repository)
        .where('tag', '=', image.tag)
        .where('digest', '!=', image.digest)
        .where('recorded_at', '<=', ev.createdAt)
        .execute();
      for (const r of rows) {
        const task = await this.deps.tasks.get(r.task_id_lower);
        if (task) candidates.push(task);
      }
    }
    const queued: Array<{ task: Task; run: RunRecord; trigger: RunTrigger }> = [];
    await this.db.transaction().execute(async (trx) => {
      // First the claim: with several API nodes exactly one handles the event (the others find the cursor moved).
      if (!(await claimEvent(trx as unknown as SqlDatabase, BASE_IMAGE_CONSUMER, ev.id))) return;
      for (const task of candidates) {
        const bit = task.properties.trigger?.baseImageTrigger;
        const kinds = bit?.baseImageTriggerType === 'All' ? ['runtime', 'buildtime'] : ['runtime'];
        const moved = await trx
          .updateTable('trigger_base_images')
          .set({ digest: image!.digest })
          .where('task_id_lower', '=', task.id.toLowerCase())
          .where('registry', '=', image!.loginServer.toLowerCase())
          .where('repository', '=', image!.repository)
          .where('tag', '=', image!.tag)
          .where('digest', '!=', image!.digest)
          .where('kind', 'in', kinds)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 0 || !taskEnabled(task) || bit?.status !== 'Enabled') continue;
        const trigger: RunTrigger = {
          kind: 'Image Update',
          imageUpdateTrigger: {
            id: newGuid(),
            timestamp: new Date().toISOString(),
            images: [
              { registry: image!.loginServer, repository: image!.repository, tag: image!.tag, digest: image!.digest },
            ],
          },
        };
        queued.push({ task, trigger, run: await queueInTx(trx, this.deps, task, trigger) });
      }
    });
    for (const q of queued) announce(this.deps, q.task, q.run, q.trigger);
    return queued.length;
  }
}
