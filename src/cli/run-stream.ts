import type { ApiClient } from './client.js';
import { CliError } from './errors.js';
import { trustLocalServer } from './acr-auth.js';
import type { Progress } from './progress.js';

const TERMINAL = ['Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout'];

/** Streams a run's log to stdout until the run ends, then fails (exit 1) unless it succeeded. */
export async function streamRun(
  client: ApiClient,
  registryId: string,
  runId: string,
  apiVersion: string,
  out: NodeJS.WritableStream = process.stdout,
  progress?: Progress,
): Promise<Record<string, unknown>> {
  if (progress?.enabled) await whileQueued(client, registryId, runId, apiVersion, progress);
  const { logLink } = await client.request<{ logLink: string }>(`${registryId}/runs/${runId}/listLogSasUrl`, {
    method: 'POST',
    query: { 'api-version': apiVersion },
  });
  // With login servers by name the link is a Blob SAS URL on the blob host (its own query string; the local CA).
  await trustLocalServer(logLink);
  const res = await fetch(`${logLink}${logLink.includes('?') ? '&' : '?'}follow=1`);
  if (!res.ok || !res.body) throw new CliError('RunNotFound', `Could not read the log of run ${runId}.`);
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
    out.write(decoder.decode(chunk, { stream: true }));
  let run = await client.request<Record<string, unknown>>(`${registryId}/runs/${runId}`, {
    query: { 'api-version': apiVersion },
  });
  for (let i = 0; i < 50 && !TERMINAL.includes(String(run.status)); i++) {
    await new Promise((r) => setTimeout(r, 100));
    run = await client.request<Record<string, unknown>>(`${registryId}/runs/${runId}`, {
      query: { 'api-version': apiVersion },
    });
  }
  const status = String(run.status);
  if (status === 'Succeeded') return run;
  if (status === 'Timeout') throw new CliError('RunTimedOut', 'Run timed out');
  if (status === 'Canceled') throw new CliError('RunCanceled', 'Run was canceled');
  throw new CliError('RunFailed', `Run failed${run.runErrorMessage ? `: ${String(run.runErrorMessage)}` : ''}`);
}

/** On a terminal: a spinner while the run waits in the queue for an agent (its log starts once it runs). */
async function whileQueued(
  client: ApiClient,
  registryId: string,
  runId: string,
  apiVersion: string,
  progress: Progress,
  pollMs = 500,
): Promise<void> {
  const get = () =>
    client.request<Record<string, unknown>>(`${registryId}/runs/${runId}`, { query: { 'api-version': apiVersion } });
  let run = await get();
  if (String(run.status) !== 'Queued') return;
  const spin = progress.spinner(`Run ${runId} is queued, waiting for an agent`);
  while (String(run.status) === 'Queued') {
    await new Promise((r) => setTimeout(r, pollMs));
    run = await get();
  }
  spin.stop(`Run ${runId} started.`);
}

/**
 * `--no-logs` as az has it (get_run_with_polling): wait for the run without streaming its log, return the final run, and
 * fail (exit 1) when it ended unsuccessfully.
 */
export async function waitForRun(
  client: ApiClient,
  registryId: string,
  registryName: string,
  runId: string,
  apiVersion: string,
  pollMs = 1000,
  progress?: Progress,
): Promise<Record<string, unknown>> {
  const spin = progress?.spinner(`Run ${runId}: waiting`);
  for (;;) {
    const run = await client.request<Record<string, unknown>>(`${registryId}/runs/${runId}`, {
      query: { 'api-version': apiVersion },
    });
    const status = String(run.status);
    spin?.label(`Run ${runId}: ${status}`);
    if (TERMINAL.includes(status)) spin?.stop();
    if (status === 'Succeeded') return run;
    if (TERMINAL.includes(status)) {
      throw new CliError(
        'RunFailed',
        `The run with ID '${runId}' finished with unsuccessful status '${status}'. Show run details by 'dockyard acr task show-run -r ${registryName} --run-id ${runId}'. Show run logs by 'dockyard acr task logs -r ${registryName} --run-id ${runId}'.`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export const runTable = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((x: Record<string, unknown>) => {
    const p = x.platform as { os?: string } | null;
    const st = x.sourceTrigger as { eventType?: string } | null;
    const trigger = st?.eventType
      ? st.eventType.toLowerCase() === 'commit'
        ? 'Commit'
        : st.eventType
      : x.timerTrigger
        ? 'Timer'
        : x.imageUpdateTrigger
          ? 'Image Update'
          : 'Manual';
    const start = x.startTime ? String(x.startTime).replace(/\.\d+Z$/, 'Z') : ' ';
    let duration = ' ';
    if (x.startTime && x.finishTime) {
      const s = Math.round((Date.parse(String(x.finishTime)) - Date.parse(String(x.startTime))) / 1000);
      duration = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60]
        .map((n) => String(n).padStart(2, '0'))
        .join(':');
    }
    return {
      'RUN ID': x.runId,
      TASK: x.task ?? ' ',
      PLATFORM: p?.os ? p.os.charAt(0).toUpperCase() + p.os.slice(1) : ' ',
      STATUS: x.status,
      TRIGGER: trigger,
      STARTED: start,
      DURATION: duration,
    };
  });
