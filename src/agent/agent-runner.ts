import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadTaskFileWithSpec,
  RunLogWriter,
  scanWithAcbRules,
  TaskRunner,
  type ContainerEngine,
  type RunnerDeps,
  type RunResult,
  type RunStatus,
} from '../tasks/index.js';
import type { Logger } from '../shared/index.js';
import { AgentHttpError, type Lease, type RunClient } from './agent-client.js';
import { LogUploader } from './log-uploader.js';

export interface AgentRunEnv {
  server: string;
  dataDir: string;
  engine: () => Promise<ContainerEngine>;
  knownDigest: (ref: string) => string | undefined;
  log: Logger;
}

/**
 * Runs one leased run on the agent's own engine with the server's task runner: the same sandbox (per-run Docker API
 * proxy), the same masking. Identity tokens, Key Vault secrets, registry credentials and workload bindings come from
 * the server for this run only (run-scoped credential); the log streams back as it is written; heartbeats renew the
 * lease, and a refused heartbeat (canceled, or the lease expired) stops the run.
 */
export async function runLeased(lease: Lease, rc: RunClient, env: AgentRunEnv, stop: AbortSignal): Promise<string> {
  const run = lease.run;
  const key = `${run.registryName}/${run.runId}`;
  const runDir = join(env.dataDir, 'runs', run.registryName.toLowerCase());
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const events = new EventEmitter();
  const log = new RunLogWriter(join(runDir, `${run.runId}.log`), events, key);
  const uploader = new LogUploader(rc);
  events.on(`data:${key}`, (t: string) => uploader.push(t));
  for (const v of Object.values(run.request.secureValues)) log.addSecret(v);

  const controller = new AbortController();
  const onStop = () => controller.abort('shutdown');
  stop.addEventListener('abort', onStop, { once: true });
  const timer = setTimeout(() => controller.abort('timeout'), run.timeout * 1000);
  const beat = setInterval(
    () =>
      void rc.heartbeat().catch((err) => {
        if (err instanceof AgentHttpError && err.status === 409) controller.abort('lost');
      }),
    Math.max(1000, (lease.leaseSeconds * 1000) / 3),
  );
  let upload: string | undefined;
  try {
    if (run.request.uploadedContext === 'server') {
      upload = join(env.dataDir, 'uploads', `${run.registryName}-${run.runId}.tar.gz`);
      mkdirSync(join(env.dataDir, 'uploads'), { recursive: true, mode: 0o700 });
      await rc.downloadSource(upload);
      run.request.uploadedContext = upload;
    }
    const deps: RunnerDeps = {
      engine: env.engine,
      registryByName: async (name) =>
        name.toLowerCase() === lease.registry.name.toLowerCase() ? lease.registry : null,
      apiEndpoint: () => env.server,
      identityToken: (principal, resource) => rc.identityToken(principal, resource),
      readSecret: (principal, url) => rc.secret(principal, url),
      sourceRegistryCredential: () => rc.registryCredential(),
      async createWorkloadBinding(input) {
        const b = await rc.workloadBinding({
          identities: input.identities,
          defaultIdentity: input.defaultIdentity,
          expiresAt: input.expiresAt.toISOString(),
        });
        // Steps on this machine reach the server at the address the agent uses, not the server's bind address.
        return { secret: b.secret, endpoint: `${env.server}/msi/token` };
      },
      revokeWorkloadBinding: async (secret) => void (await rc.revokeBinding(secret)),
      workDir: join(env.dataDir, 'work'),
      sourcePolicy: { dataDir: env.dataDir, allowedLocalContextRoots: [] },
      loadTaskFile: loadTaskFileWithSpec,
      scanDockerfile: scanWithAcbRules,
      knownDigest: env.knownDigest,
    };
    let status: RunStatus;
    let result: RunResult = {};
    try {
      const outcome = await new TaskRunner(deps).execute({
        run,
        log,
        signal: controller.signal,
        markRunning: async () => void (await rc.running()),
      });
      status = outcome.status;
      result = { ...outcome.result, runErrorMessage: outcome.errorMessage ?? null };
    } catch (err) {
      status = 'Error';
      result = { runErrorMessage: (err as Error).message };
    }
    const reason = controller.signal.aborted ? String(controller.signal.reason) : null;
    if (reason === 'lost') {
      log.close();
      await uploader.drain();
      return 'lost';
    }
    if (reason === 'timeout') {
      status = 'Timeout';
      result.runErrorMessage = `The run exceeded its timeout of ${run.timeout} seconds.`;
    } else if (reason === 'shutdown') {
      status = 'Failed';
      result.runErrorMessage = 'The run was interrupted because its agent stopped.';
    }
    log.close();
    await uploader.drain();
    await rc.complete(status, result.runErrorMessage, log.secrets.maskDeep(result));
    return status;
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    stop.removeEventListener('abort', onStop);
    log.close();
    if (upload) rmSync(upload, { force: true });
  }
}
