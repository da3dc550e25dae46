import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { startEngineWithLibrary, type ContainerEngine } from '../tasks/index.js';

import type { Logger } from '../shared/index.js';
import { AgentClient, AgentHttpError } from './agent-client.js';
import { runLeased } from './agent-runner.js';

export interface AgentOptions {
  server: string;
  registry: string;
  pool: string;
  token: string;
  /** The agent's own data dir: its private dockerd data root, work copies, local logs. */
  dataDir: string;
  /** Reuse this docker daemon instead of starting a private one (like `serve --docker-host`). */
  dockerHost?: string;
  userns?: 'remap' | 'off';
  log: Logger;
}

export interface RunningAgent {
  /** Runs finished by this agent (status per run id), for tests and the final log line. */
  readonly done: Map<string, string>;
  stop(): Promise<void>;
}

/**
 * `dockyard agent`: starts its own container engine, then leases runs of its pool one at a time (long poll), runs
 * them and reports back. Several agents of a pool share the pool's `count`.
 */
export async function startAgent(o: AgentOptions): Promise<RunningAgent> {
  const agentId = `${hostname()
    .replace(/[^A-Za-z0-9.-]/g, '-')
    .slice(0, 40)}-${randomUUID().slice(0, 8)}`;
  const client = new AgentClient(o.server.replace(/\/+$/, ''), o.registry, o.pool, o.token, agentId);
  const digests = new Map<string, string>();
  const t0 = Date.now();
  const { engine, library } = await startEngineWithLibrary({
    dataDir: o.dataDir,
    dockerHost: o.dockerHost,
    userns: o.userns,
    onLog: (l) => o.log.debug(l),
  });
  for (const l of library) digests.set(l.ref, l.manifestDigest);
  o.log.info({ ms: Date.now() - t0, agentId }, 'agent engine ready');
  const stop = new AbortController();
  const done = new Map<string, string>();
  const loop = (async () => {
    let backoff = 500;
    while (!stop.signal.aborted) {
      try {
        const lease = await client.lease(20, stop.signal);
        backoff = 500;
        if (!lease) continue;
        o.log.info({ runId: lease.run.runId }, 'leased a run');
        const status = await runLeased(
          lease,
          client.forRun(lease),
          {
            server: client.server,
            dataDir: o.dataDir,
            engine: async () => engine as ContainerEngine,
            knownDigest: (ref) => digests.get(ref.includes(':') ? ref : `${ref}:latest`),
            log: o.log,
          },
          stop.signal,
        );
        done.set(lease.run.runId, status);
        o.log.info({ runId: lease.run.runId, status }, 'run finished');
      } catch (err) {
        if (stop.signal.aborted) break;
        const fatal = err instanceof AgentHttpError && err.status === 401;
        o.log.error({ err: (err as Error).message }, fatal ? 'the pool credential was refused' : 'agent error');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(15_000, backoff * 2);
      }
    }
  })();
  return {
    done,
    async stop() {
      stop.abort();
      await loop;
      await engine.close();
    },
  };
}
