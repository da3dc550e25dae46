import { execStep, sleep, StepFailure, type RunState } from './step-exec.js';
import type { RunnableStep } from './plan-types.js';

export type StepStatus = 'successful' | 'failed' | 'skipped';

export interface StepOutcome {
  status: StepStatus;
  elapsedSeconds: number;
  error?: string;
}

/**
 * Runs the `when` graph: a step starts when every step it waits for has finished; independent steps run in
 * parallel. The first failure of a step without `ignoreErrors` aborts the run; steps not started stay `skipped`.
 */
export async function runGraph(
  state: RunState,
  steps: RunnableStep[],
): Promise<{ outcomes: Map<string, StepOutcome>; failure?: { stepId: string; error: string } }> {
  const outcomes = new Map<string, StepOutcome>(steps.map((s) => [s.id, { status: 'skipped', elapsedSeconds: 0 }]));
  const done = new Map<string, Promise<boolean>>();
  const abort = new AbortController();
  const runSignal = AbortSignal.any([state.signal, abort.signal]);
  let failure: { stepId: string; error: string } | undefined;

  const start = (step: RunnableStep): Promise<boolean> => {
    const existing = done.get(step.id);
    if (existing) return existing;
    const p = (async () => {
      const deps = await Promise.all(step.dependsOn.map((id) => start(steps.find((s) => s.id === id)!)));
      if (deps.some((ok) => !ok) || runSignal.aborted) return false;
      const wdLabel =
        step.type === 'push'
          ? (step.workingDirectory ?? state.source.subdir)
          : (step.workingDirectory ?? state.source.subdir);
      state.log.line(
        `Executing step ID: ${step.id}. Timeout(sec): ${step.timeout}, Working directory: '${wdLabel ?? ''}', Network: '${step.network ?? 'host'}'`,
      );
      if (step.startDelay > 0) {
        state.log.line(`Waiting ${step.startDelay} seconds before executing step ID: ${step.id}`);
        await sleep(step.startDelay * 1000, runSignal);
      }
      const t0 = process.hrtime.bigint();
      const timeout = AbortSignal.timeout(step.timeout * 1000);
      const stepSignal = AbortSignal.any([runSignal, timeout]);
      try {
        await execStep({ ...state, signal: stepSignal }, step);
        outcomes.set(step.id, { status: 'successful', elapsedSeconds: Number(process.hrtime.bigint() - t0) / 1e9 });
        return true;
      } catch (err) {
        const elapsedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
        let msg = err instanceof StepFailure ? err.message : (err as Error).message;
        if (timeout.aborted && !state.signal.aborted) msg = 'timed out';
        if (/context deadline exceeded/.test(msg)) msg = msg.replace(/context deadline exceeded/g, 'timed out');
        if (step.ignoreErrors && !state.signal.aborted) {
          state.log.line(
            `Step ID: ${step.id} encountered an error: ${msg}, but is set to ignore errors. Continuing...`,
          );
          outcomes.set(step.id, { status: 'successful', elapsedSeconds, error: msg });
          return true;
        }
        outcomes.set(step.id, { status: 'failed', elapsedSeconds, error: msg });
        if (!failure) failure = { stepId: step.id, error: msg };
        abort.abort('step failed');
        return false;
      }
    })();
    done.set(step.id, p);
    return p;
  };

  await Promise.all(steps.map((s) => start(s)));
  return { outcomes, failure };
}
