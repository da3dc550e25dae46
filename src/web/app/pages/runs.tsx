import { useEffect, useRef, useState } from 'preact/hooks';
import { arm, V } from '../api.js';
import { formatTime, runDuration, runTrigger, shortDigest, TERMINAL_RUN } from '../format.js';
import { Crumbs, ErrorBox, Fields, Show, Status, Table, useLoad } from '../ui.js';
import { regLink, type RegistryCtx } from './registry.js';

/** The registry's runs, newest first (only one task's with `task`); refreshed while the page is open. */
export function Runs({ ctx, task, top = 50 }: { ctx: RegistryCtx; task?: string; top?: number }) {
  const query: Record<string, string> = { $top: String(top), ...(task ? { $filter: `TaskName eq '${task}'` } : {}) };
  const load = useLoad(
    () => arm<{ value: any[] }>(`${ctx.registry.id}/runs`, V.tasks, { query }),
    [ctx.registry.id, task],
  );
  useEffect(() => {
    const t = setInterval(load.reload, 3000);
    return () => clearInterval(t);
  }, [load.reload]);
  return (
    <Show load={load}>
      {(d) => (
        <Table
          testid="runs"
          rows={d.value}
          empty="No runs yet."
          columns={[
            ['Run ID', (r) => <a href={regLink(ctx, 'runs', r.runId)}>{r.runId}</a>],
            ['Task', (r) => r.task ?? '—'],
            ['Status', (r) => <Status value={r.status} />],
            ['Trigger', (r) => runTrigger(r)],
            ['Started', (r) => formatTime(r.startTime ?? r.createTime)],
            ['Duration', (r) => runDuration(r)],
          ]}
        />
      )}
    </Show>
  );
}

/** Streams the run's log (`logLink?follow=1`, a chunked response that ends when the run does) into `onText`. */
function useLiveLog(ctx: RegistryCtx, runId: string): { text: string; error: Error | null; done: boolean } {
  const [text, setText] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    setText('');
    setDone(false);
    (async () => {
      const { logLink } = await arm<{ logLink: string }>(`${ctx.registry.id}/runs/${runId}/listLogSasUrl`, V.tasks, {
        method: 'POST',
      });
      const u = new URL(logLink, location.href);
      // Login servers by name: a Blob SAS URL on the blob host, which the API also serves under /dockyard/v1/blob.
      const blob = /^([a-z0-9]{3,24})\.blob\./.exec(u.hostname);
      const path = blob ? `/dockyard/v1/blob/${blob[1]}${u.pathname}${u.search}&follow=1` : `${u.pathname}?follow=1`;
      const res = await fetch(path, { signal: abort.signal });
      if (!res.ok || !res.body) throw new Error(`The log could not be read (${res.status}).`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        setText((t) => t + value);
      }
      setDone(true);
    })().catch((err: Error) => {
      if (!abort.signal.aborted) setError(err);
    });
    return () => abort.abort();
  }, [ctx.registry.id, runId]);
  return { text, error, done };
}

function LiveLog({ ctx, runId }: { ctx: RegistryCtx; runId: string }) {
  const { text, error, done } = useLiveLog(ctx, runId);
  const pre = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  useEffect(() => {
    if (follow && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [text, follow]);
  return (
    <>
      <h3>
        Log {done ? <span class="muted small">(complete)</span> : <span class="live small">● live</span>}
        <label class="small follow">
          <input type="checkbox" checked={follow} onChange={() => setFollow(!follow)} /> follow
        </label>
      </h3>
      {error ? <ErrorBox error={error} /> : null}
      <pre class="log" data-testid="run-log" data-complete={done ? 'true' : 'false'} ref={pre}>
        {text || (done ? '(empty log)' : 'Waiting for output…')}
      </pre>
    </>
  );
}

function CancelButton({ ctx, runId, onDone }: { ctx: RegistryCtx; runId: string; onDone: () => void }) {
  const [error, setError] = useState<Error | null>(null);
  const cancel = async () => {
    try {
      await arm(`${ctx.registry.id}/runs/${runId}/cancel`, V.tasks, { method: 'POST' });
      onDone();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <>
      <button class="danger" data-testid="cancel-run" onClick={cancel}>
        Cancel run
      </button>
      {error ? <ErrorBox error={error} /> : null}
    </>
  );
}

export function Run({ ctx, runId }: { ctx: RegistryCtx; runId: string }) {
  const load = useLoad(() => arm(`${ctx.registry.id}/runs/${runId}`, V.tasks), [ctx.registry.id, runId]);
  const status = load.data?.status as string | undefined;
  useEffect(() => {
    if (status && TERMINAL_RUN.includes(status)) return;
    const t = setInterval(load.reload, 1500);
    return () => clearInterval(t);
  }, [status, load.reload]);
  return (
    <>
      <Crumbs
        items={[
          ['Runs', regLink(ctx, 'runs')],
          [runId, null],
        ]}
      />
      <Show load={load}>
        {(r) => (
          <section data-testid="run">
            <h3>
              Run {r.runId} <Status value={r.status} />
            </h3>
            {!TERMINAL_RUN.includes(r.status) &&
            ctx.can['Microsoft.ContainerRegistry/registries/runs/cancel/action'] ? (
              <CancelButton ctx={ctx} runId={r.runId} onDone={load.reload} />
            ) : null}
            <Fields
              items={[
                ['Task', r.task ? <a href={regLink(ctx, 'tasks', r.task)}>{r.task}</a> : 'Quick run'],
                ['Status', <span data-testid="run-status">{r.status}</span>],
                ['Trigger', runTrigger(r)],
                ['Queued', formatTime(r.createTime)],
                ['Started', formatTime(r.startTime)],
                ['Finished', formatTime(r.finishTime)],
                ['Duration', runDuration(r)],
                ['Platform', r.platform ? `${r.platform.os}/${r.platform.architecture}` : null],
                ['Error', r.runErrorMessage ? <span class="error-text">{r.runErrorMessage}</span> : null],
                [
                  'Output images',
                  (r.outputImages ?? []).map((o: any) => (
                    <div key={`${o.registry}/${o.repository}:${o.tag}`}>
                      {o.registry === ctx.registry.loginServer ? (
                        <a
                          href={regLink(ctx, 'repositories', o.repository)}
                        >{`${o.registry}/${o.repository}:${o.tag}`}</a>
                      ) : (
                        <code>{`${o.registry}/${o.repository}:${o.tag}`}</code>
                      )}{' '}
                      <code class="small">{shortDigest(o.digest)}</code>
                    </div>
                  )),
                ],
              ]}
            />
          </section>
        )}
      </Show>
      {ctx.can['Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action'] === false ? (
        <p class="muted">You may not read this run's log.</p>
      ) : (
        <LiveLog ctx={ctx} runId={runId} />
      )}
    </>
  );
}
