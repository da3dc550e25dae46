import type { Clock, Logger } from '../../shared/index.js';
import type { SqlDatabase } from '../../storage/index.js';
import type { TaskStore } from '../resources/task-store.js';
import type { Task } from '../resources/model.js';
import type { RunQueue } from '../runs/run-queue.js';
import type { RunStore } from '../runs/run-store.js';
import { BaseImageTriggers } from './base-image-triggers.js';
import type { TriggerDeps } from './fire.js';
import { SourceTriggers } from './source-triggers.js';
import { TimerTriggers } from './timer-triggers.js';

export interface TriggerServiceOptions {
  db: SqlDatabase;
  tasks: Pick<TaskStore, 'all' | 'get'>;
  /** Task saves to follow (source baselines are recorded when a task is created or updated). */
  taskSaves?: Array<(task: Task) => Promise<void>>;
  runs: Pick<RunStore, 'withDb'>;
  queue: RunQueue;
  log: Logger;
  clock: Clock;
  /** Seconds between polls of watched git repositories (config `triggerPollSeconds`). */
  pollSeconds: number;
  /** Milliseconds between passes over the outbox (base images) and the timers. */
  tickMs?: number;
  /** Pull-request refs (config `triggerPullRequestRefPattern`). */
  pullRequestRefPattern: string;
  listRefs?: (url: string) => Promise<Map<string, string>>;
  /** Told after a trigger queued a run (metrics). */
  onQueued?: TriggerDeps['onQueued'];
  /**
   * With several API nodes: repository polls run on one node at a time (a lease with expiry), so two nodes with
   * different views of a repository never move its recorded commit back and forth. Timers and the outbox need no
   * lease: each firing is a compare-and-set claim in the database.
   */
  leases?: { withLease<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> };
}

export const SOURCE_POLL_LEASE = 'tasks.source-poll';

/** Runs tasks by themselves: on commits, base-image pushes and timers. Started and stopped by the app. */
export class TriggerService {
  readonly source: SourceTriggers;
  readonly baseImages: BaseImageTriggers;
  readonly timers: TimerTriggers;
  private readonly loops: Array<{ stop(): Promise<void> }> = [];
  private readonly log: Logger;

  constructor(private readonly options: TriggerServiceOptions) {
    this.log = options.log.child({ module: 'triggers' });
    const deps: TriggerDeps = {
      db: options.db,
      tasks: options.tasks,
      runs: options.runs,
      queue: options.queue,
      log: this.log,
      clock: options.clock,
      onQueued: options.onQueued,
    };
    this.source = new SourceTriggers(deps, {
      pullRequestRefPattern: options.pullRequestRefPattern,
      listRefs: options.listRefs,
    });
    this.baseImages = new BaseImageTriggers(deps);
    this.timers = new TimerTriggers(deps);
    // Dependencies are recorded whether or not the loops run, so a later start can act on them.
    options.queue.finished.push((run, status, result) => this.baseImages.recordRun(run, status, result));
    options.taskSaves?.push((task) => this.source.baseline(task));
  }

  /** Starts the three loops (source polling, outbox, timers). */
  start(): void {
    if (this.loops.length) return;
    const tick = this.options.tickMs ?? 1000;
    this.loops.push(this.every('base-image', tick, () => this.baseImages.processEvents()));
    this.loops.push(this.every('timer', tick, () => this.timers.tick()));
    const poll = () => this.source.pollOnce();
    const leases = this.options.leases;
    const ttl = Math.max(60_000, this.options.pollSeconds * 3000);
    this.loops.push(
      this.every('source', this.options.pollSeconds * 1000, () =>
        leases ? leases.withLease(SOURCE_POLL_LEASE, ttl, poll) : poll(),
      ),
    );
    this.log.info({ pollSeconds: this.options.pollSeconds, tickMs: tick }, 'triggers started');
  }

  /** One pass of everything, now (tests and `dockyard` admin tooling). */
  async pollOnce(): Promise<number> {
    return (await this.source.pollOnce()) + (await this.baseImages.processEvents()) + (await this.timers.tick());
  }

  async stop(): Promise<void> {
    const loops = this.loops.splice(0);
    await Promise.all(loops.map((l) => l.stop()));
  }

  /** Runs `fn` now and then `ms` after each pass finishes; passes never overlap; stop waits for the one in flight. */
  private every(name: string, ms: number, fn: () => Promise<unknown>): { stop(): Promise<void> } {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<void> = Promise.resolve();
    const pass = () => {
      current = fn()
        .then(() => undefined)
        .catch((err: Error) => this.log.error({ err, loop: name }, 'trigger pass failed'))
        .finally(() => {
          if (!stopped) timer = setTimeout(pass, ms);
        });
    };
    pass();
    return {
      async stop() {
        stopped = true;
        clearTimeout(timer);
        await current;
      },
    };
  }
}
