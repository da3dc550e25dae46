import type { Clock, Logger } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { DockyardConfig } from '../config/index.js';
import { TriggerService, type TaskModule, type TriggerServiceOptions } from '../tasks/index.js';

export interface WireTriggersInput {
  config: DockyardConfig;
  db: SqlDatabase;
  log: Logger;
  tasks: TaskModule;
  clock: Clock;
  onQueued?: TriggerServiceOptions['onQueued'];
  leases?: TriggerServiceOptions['leases'];
}

/** Builds the trigger service (commit, base-image and timer triggers). serve starts it; platform.close stops it. */
export function wireTriggers(input: WireTriggersInput): TriggerService {
  return new TriggerService({
    db: input.db,
    tasks: input.tasks.taskStore,
    taskSaves: input.tasks.tasks.saved,
    runs: input.tasks.runs,
    queue: input.tasks.queue,
    log: input.log,
    clock: input.clock,
    pollSeconds: input.config.triggerPollSeconds,
    pullRequestRefPattern: input.config.triggerPullRequestRefPattern,
    onQueued: input.onQueued,
    leases: input.leases,
  });
}
