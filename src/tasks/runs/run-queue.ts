import type { Logger } from '../../shared/index.js';
import type { RunStore } from './run-store.js';
import { goDuration, type RunLogs, type RunLogWriter } from './run-log.js';
import type { RunRecord, RunResult, RunStatus } from './model.js';
import type { RunLeases } from './run-leases.js';
import type { RunLogChunks } from './run-log-chunks.js';

export interface RunOutcome {
  status: Extract<RunStatus, 'Succeeded' | 'Failed' | 'Error'>;
  errorMessage?: string;
  result?: RunResult;
}

export interface RunContext {
  run: RunRecord;
  log: RunLogWriter;
  /** Aborted on cancel (reason 'canceled') or timeout (reason 'timeout'). */
  signal: AbortSignal;
  /** Marks the run Running (after setup, when the first step starts). */
  markRunning(): Promise<void>;
}

/** Executes one run. The real one drives a container engine; tests may use another. */
export interface RunExecutor {
  execute(ctx: RunContext): Promise<RunOutcome>;
}

/** Listeners told when a run reaches a terminal status (base-image triggers, dashboards). */
export type RunFinishedListener = (run: RunRecord, status: RunStatus, result: RunResult) => Promise<void> | void;

/** Listeners told synchronously when a worker claims a queued run (metrics: queue-to-start latency). Must not throw. */
export type RunStartedListener = (run: RunRecord) => void;

/**
 * The durable run queue: runs are rows; workers claim the oldest queued row atomically. Queued runs survive a restart;
 * runs in flight when the process died are marked Failed at the next start.
 */
export class RunQueue {
  private active = new Map<string, AbortController>();
  private stopping = false;
  /** Idle workers waiting for a run; `notify` wakes them all at once (each tries to claim, losers wait again). */
  private readonly idle = new Set<() => void>();
  /** Counts notifies, so a run queued while a worker was looking (and found none) is not left for the poll. */
  private notified = 0;
  private loops: Promise<void>[] = [];
  /** Masking writers of agent runs whose chunks arrive at this node. */
  private readonly remote = new Map<string, RunLogWriter>();
  /** Leases of agent runs (set by the task module); remote runs end through them. */
  leases?: RunLeases;
  /** Agent runs' logs in the database (any node serves them); set by the task module. */
  chunks?: RunLogChunks;
  readonly finished: RunFinishedListener[] = [];
  readonly started: RunStartedListener[] = [];

  constructor(
    private readonly store: RunStore,
    private readonly logs: RunLogs,
    private readonly executor: RunExecutor,
    private readonly log: Logger,
    readonly concurrency = 2,
  ) {}

  /** Runs executing now (claimed and not yet finished). */
  get running(): number {
    return this.active.size;
  }

  async start(): Promise<void> {
    const interrupted = await this.store.failInterrupted(
      'The run was interrupted because the Dockyard server stopped while it was in progress.',
    );
    for (const r of interrupted) {
      await this.logs
        .writer(r.registryName, r.runId)
        .last(
          `Run ID: ${r.runId} failed after ${goDuration(Date.now() - Date.parse(r.startTime ?? r.createTime))}. Error: The run was interrupted because the Dockyard server stopped while it was in progress.`,
        );
      this.log.warn({ runId: r.runId, registry: r.registryName }, 'run interrupted by a server stop marked Failed');
    }
    for (let i = 0; i < this.concurrency; i++) this.loops.push(this.loop());
  }

  /** Runs being executed by this process now. */
  get activeCount(): number {
    return this.active.size;
  }

  /** Wakes the idle workers after a run was queued: it starts now, not at the next poll. */
  notify(): void {
    this.notified++;
    for (const wake of [...this.idle]) wake();
  }

  /** Resolves after a run is queued (notify) or after `ms` (agents' long polls wait here). */
  waitForWork(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.idle.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, Math.max(0, ms));
      this.idle.add(wake);
    });
  }

  cancel(registryName: string, runId: string): boolean {
    const c = this.active.get(`${registryName.toLowerCase()}/${runId}`);
    if (!c) return false;
    c.abort('canceled');
    return true;
  }

  /** True once `stop` began (long polls for agent runs answer at once). */
  get isStopping(): boolean {
    return this.stopping;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const c of this.active.values()) c.abort('shutdown');
    for (const w of this.remote.values()) w.close();
    this.notify();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const seen = this.notified;
      const run = await this.store.claimNext().catch((err) => {
        this.log.error({ err }, 'claiming a run failed');
        return null;
      });
      if (!run && this.notified !== seen) continue;
      if (!run) {
        // Runs queued by another process (or a missed notify) are still found by this slow poll.
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(t);
            this.idle.delete(wake);
            resolve();
          };
          const t = setTimeout(wake, 500);
          this.idle.add(wake);
        });
        continue;
      }
      for (const l of this.started) l(run);
      await this.execute(run);
    }
  }

  private async execute(run: RunRecord): Promise<void> {
    const key = `${run.registryName.toLowerCase()}/${run.runId}`;
    const controller = new AbortController();
    this.active.set(key, controller);
    const timer = setTimeout(() => controller.abort('timeout'), run.timeout * 1000);
    const log = this.logs.writer(run.registryName, run.runId);
    for (const v of Object.values(run.request.secureValues)) log.addSecret(v);
    const started = Date.now();
    let status: RunStatus;
    let result: RunResult = {};
    try {
      const outcome = await this.executor.execute({
        run,
        log,
        signal: controller.signal,
        markRunning: () => this.store.setStatus(run, 'Running'),
      });
      result = { ...outcome.result, runErrorMessage: outcome.errorMessage ?? null };
      status = outcome.status;
    } catch (err) {
      status = 'Error';
      result = { runErrorMessage: (err as Error).message };
      this.log.error({ err, runId: run.runId }, 'run executor failed');
    } finally {
      clearTimeout(timer);
      this.active.delete(key);
    }
    if (controller.signal.aborted) {
      const reason = controller.signal.reason;
      status = reason === 'timeout' ? 'Timeout' : reason === 'shutdown' ? 'Failed' : 'Canceled';
      result.runErrorMessage =
        reason === 'timeout'
          ? `The run exceeded its timeout of ${run.timeout} seconds.`
          : reason === 'shutdown'
            ? 'The run was interrupted because the Dockyard server stopped.'
            : 'The run was canceled.';
    }
    // Everything the run produced is masked with the run's secrets before it is stored or shown (the log already is).
    result = log.secrets.maskDeep(result);
    await this.store.setStatus(run, status, result);
    await this.closeLog(run, log, status, result, started);
    await this.notifyFinished(run, status, result);
  }

  /**
   * The final `Run ID: …` line (after the status is stored, so a follower that sees the end can read it), then close;
   * settles once the log is stored. Returns the line as masked.
   */
  private async closeLog(
    run: RunRecord,
    log: RunLogWriter,
    status: RunStatus,
    result: RunResult,
    started: number,
  ): Promise<string> {
    const took = goDuration(Date.now() - started);
    let line: string;
    if (status === 'Succeeded') line = `Run ID: ${run.runId} was successful after ${took}`;
    else if (status === 'Canceled') line = `Run ID: ${run.runId} was canceled after ${took}`;
    else if (status === 'Timeout')
      line = `Run ID: ${run.runId} timed out after ${took}. Error: ${result.runErrorMessage}`;
    else line = `Run ID: ${run.runId} failed after ${took}. Error: ${result.runErrorMessage ?? 'unknown error'}`;
    await log.last(line);
    return log.mask(`${line}\n`);
  }

  /**
   * Appends a chunk of an agent run's log to the database (every node reads and follows it), masked again with the
   * run's secret values. Stored at once, not batched: the agent's next chunk may reach another node.
   */
  async appendRemote(run: RunRecord, text: string): Promise<void> {
    await this.chunks?.append(run.registryName, run.runId, this.remoteLog(run).mask(text));
  }

  private async notifyFinished(run: RunRecord, status: RunStatus, result: RunResult): Promise<void> {
    for (const l of this.finished) {
      try {
        await l(run, status, result);
      } catch (err) {
        this.log.error({ err }, 'run finished listener failed');
      }
    }
  }

  /**
   * The masking writer of an agent's run on this node (its secret values); the chunks themselves are stored by
   * `appendRemote`, the final line by `finishRemote`.
   */
  remoteLog(run: RunRecord): RunLogWriter {
    const key = `${run.registryName.toLowerCase()}/${run.runId}`;
    let w = this.remote.get(key);
    if (!w) {
      w = this.logs.writer(run.registryName, run.runId, { store: false });
      for (const v of Object.values(run.request.secureValues)) w.addSecret(v);
      this.remote.set(key, w);
    }
    return w;
  }

  /**
   * Ends an agent's run once (the database decides: `leases.finish` is conditional): stores the status, appends the
   * final line, closes the log and tells the finished listeners. False when it had already ended (another node,
   * the reaper, a cancel).
   */
  async finishRemote(
    run: RunRecord,
    status: Extract<RunStatus, 'Succeeded' | 'Failed' | 'Error' | 'Canceled' | 'Timeout'>,
    result: RunResult,
    guard: { token?: string; leaseUntil?: string },
  ): Promise<boolean> {
    if (!this.leases) throw new Error('run leases are not configured');
    const log = this.remoteLog(run);
    const masked = log.secrets.maskDeep(result);
    if (!(await this.leases.finish(run, status, masked, guard))) return false;
    this.remote.delete(`${run.registryName.toLowerCase()}/${run.runId}`);
    const started = Date.parse(run.startTime ?? run.createTime);
    const last = await this.closeLog(run, log, status, masked, Number.isNaN(started) ? Date.now() : started);
    await this.chunks?.append(run.registryName, run.runId, last);
    await this.notifyFinished(run, status, masked);
    return true;
  }
}
