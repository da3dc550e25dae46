import type { Logger } from '../../shared/index.js';
import type { RunLeases } from '../runs/run-leases.js';
import type { RunQueue } from '../runs/run-queue.js';

/**
 * Fails agent runs whose lease ran out: the agent stopped heartbeating (killed, crashed, cut off). Any API node may
 * run this; `finishRemote` is conditional on the expired lease, so a run is failed once. Not retried: a run's steps
 * may have had effects (pushes, calls) that a second attempt would repeat (docs/designs/agent-pools.md).
 */
export class LeaseReaper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly leases: RunLeases,
    private readonly queue: RunQueue,
    private readonly leaseSeconds: () => number,
    private readonly log: Logger,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((err) => this.log.error({ err }, 'agent lease sweep failed'))
        .finally(() => (this.running = null));
    }, intervalMs);
    this.timer.unref();
  }

  async sweep(now: Date = new Date()): Promise<number> {
    let n = 0;
    for (const { run, leaseUntil } of await this.leases.expired(now)) {
      const agent = run.claimedBy?.split(':').slice(2).join(':') || 'unknown';
      const reason = `The agent '${agent}' of agent pool '${run.agentPool}' stopped sending heartbeats (none for ${this.leaseSeconds()} s); the run was failed.`;
      if (await this.queue.finishRemote(run, 'Failed', { runErrorMessage: reason }, { leaseUntil })) {
        n++;
        this.log.warn({ runId: run.runId, registry: run.registryName, agent }, 'agent lost: run failed');
      }
    }
    return n;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
