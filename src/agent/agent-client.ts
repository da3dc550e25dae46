import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { RunRecord, RunResult } from '../tasks/index.js';

/** What `POST lease/{registry}/{pool}` hands an agent. */
export interface Lease {
  run: RunRecord;
  /** Run-scoped credential: works only on this run's agent routes while the lease is held. */
  token: string;
  registry: { id: string; name: string; loginServer: string };
  leaseSeconds: number;
}

export class AgentHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const BASE = '/dockyard/v1/agents';

async function call(
  url: string,
  auth: string,
  init: { method?: string; body?: unknown; text?: string; signal?: AbortSignal } = {},
) {
  const headers: Record<string, string> = { authorization: auth };
  let body: string | undefined;
  if (init.text !== undefined) {
    headers['content-type'] = 'text/plain; charset=utf-8';
    body = init.text;
  } else if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  // A request-scoped signal: the agent's long-lived stop signal gets one listener per request, removed when the
  // request is answered (handing it to fetch directly left thousands of listeners on it over a few minutes).
  const local = new AbortController();
  const outer = init.signal;
  const onAbort = () => local.abort(outer?.reason);
  if (outer?.aborted) local.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  let res: Response;
  try {
    res = await fetch(url, { method: init.method ?? 'POST', headers, body, signal: local.signal });
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    let message = text.slice(0, 500);
    try {
      const j = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (j.error) message = `(${j.error.code}) ${j.error.message}`;
    } catch {
      /* not JSON */
    }
    throw new AgentHttpError(res.status, `${res.status} ${message}`);
  }
  return res;
}

/** The agent's side of the agent API (src/tasks/agents/agent-routes.ts), over HTTP(S). */
export class AgentClient {
  constructor(
    readonly server: string,
    private readonly registry: string,
    private readonly pool: string,
    private readonly token: string,
    private readonly agentId: string,
  ) {}

  /** Long-polls for a run of the pool; null when none came within `waitSeconds`. */
  async lease(waitSeconds: number, signal?: AbortSignal): Promise<Lease | null> {
    const url = `${this.server}${BASE}/lease/${encodeURIComponent(this.registry)}/${encodeURIComponent(this.pool)}`;
    const res = await call(url, `DockyardAgent ${this.token}`, {
      body: { agentId: this.agentId, waitSeconds },
      signal,
    });
    if (res.status === 204) {
      await res.body?.cancel();
      return null;
    }
    return (await res.json()) as Lease;
  }

  forRun(lease: Lease): RunClient {
    return new RunClient(
      `${this.server}${BASE}/runs/${encodeURIComponent(lease.run.registryName)}/${encodeURIComponent(lease.run.runId)}`,
      lease.token,
    );
  }
}

/** Calls for one leased run, with its run-scoped credential. */
export class RunClient {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  private async json<T>(path: string, body: unknown = {}): Promise<T> {
    const res = await call(`${this.base}/${path}`, `DockyardRun ${this.token}`, { body });
    return (await res.json()) as T;
  }

  heartbeat = () => this.json('heartbeat');
  running = () => this.json('running');
  async log(text: string): Promise<void> {
    await call(`${this.base}/log`, `DockyardRun ${this.token}`, { text });
  }
  complete = (status: string, errorMessage: string | null | undefined, result: RunResult) =>
    this.json('complete', { status, errorMessage: errorMessage ?? null, result });
  identityToken = async (principalId: string, resource: string) =>
    (await this.json<{ accessToken: string }>('identity-token', { principalId, resource })).accessToken;
  secret = async (principalId: string, url: string) =>
    (await this.json<{ value: string }>('secret', { principalId, url })).value;
  registryCredential = () => this.json<{ username: string; password: string }>('registry-credential');
  workloadBinding = (body: { identities: string[]; defaultIdentity?: string; expiresAt: string }) =>
    this.json<{ secret: string; endpoint: string }>('workload-binding', body);
  revokeBinding = (secret: string) => this.json('workload-binding/revoke', { secret });

  /** The run's uploaded source archive (quick runs with a local context), saved to `dest` (0600). */
  async downloadSource(dest: string): Promise<void> {
    const res = await call(`${this.base}/source`, `DockyardRun ${this.token}`, { method: 'GET' });
    if (!res.body) throw new Error('empty source archive');
    await pipeline(Readable.fromWeb(res.body as never), createWriteStream(dest, { mode: 0o600 }));
  }
}
