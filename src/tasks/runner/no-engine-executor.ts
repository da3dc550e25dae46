import type { RunContext, RunExecutor, RunOutcome } from '../runs/run-queue.js';

/** Used when the server runs with `engine: none`: runs are accepted and fail with a clear reason. */
export class NoEngineExecutor implements RunExecutor {
  async execute(ctx: RunContext): Promise<RunOutcome> {
    ctx.log.line('No container engine is configured for this Dockyard server (engine: none).');
    return {
      status: 'Failed',
      errorMessage: 'No container engine is configured; start `dockyard serve --engine docker` to run tasks.',
    };
  }
}
