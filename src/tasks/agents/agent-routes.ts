import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError, type Logger } from '../../shared/index.js';
import type { RunnerDeps } from '../runner/ports.js';
import type { RunLeases } from '../runs/run-leases.js';
import type { RunQueue } from '../runs/run-queue.js';
import type { RunStore } from '../runs/run-store.js';
import type { RunRecord, RunResult } from '../runs/model.js';
import type { Uploads } from '../runs/uploads.js';
import type { PoolStore } from './pool-store.js';

/** What an agent may ask the server for, for its run only (the server's own runner uses the same functions). */
export type RunServices = Pick<
  RunnerDeps,
  | 'registryByName'
  | 'identityToken'
  | 'readSecret'
  | 'sourceRegistryCredential'
  | 'createWorkloadBinding'
  | 'revokeWorkloadBinding'
>;

export interface AgentRouteDeps {
  pools: PoolStore;
  leases: RunLeases;
  queue: RunQueue;
  runs: RunStore;
  services: RunServices;
  /** Quick runs' uploaded sources (the blob store: any node serves them). */
  uploads: Uploads;
  /** How long a lease lasts without a heartbeat (ms). */
  leaseMs: () => number;
  log: Logger;
}

export const AGENT_BASE = '/dockyard/v1/agents';
const SMALL = 64 * 1024;
const LOG_CHUNK = 1024 * 1024;
const AGENT_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_WAIT_S = 25;
const DONE = ['Succeeded', 'Failed', 'Error', 'Canceled', 'Timeout'] as const;

const credentialOf = (req: FastifyRequest, scheme: string): string => {
  const h = req.headers.authorization ?? '';
  if (!h.startsWith(`${scheme} `) || h.length > 512)
    throw new DockyardError(
      'AuthenticationFailed',
      `Authentication failed: expected 'Authorization: ${scheme} <token>'.`,
    );
  return h.slice(scheme.length + 1).trim();
};

function obj(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b))
    throw new DockyardError('InvalidRequestContent', 'The request content was invalid: expected a JSON object.');
  return b as Record<string, unknown>;
}

const str = (v: unknown, name: string, max = 2048): string => {
  if (typeof v !== 'string' || !v || v.length > max)
    throw new DockyardError('InvalidParameter', `'${name}' must be a string of at most ${max} characters.`);
  return v;
};

/** The principals a run may act as: its task's identities (system-assigned and user-assigned), nothing else. */
export function runPrincipals(run: RunRecord): Set<string> {
  const id = run.request.identity;
  return new Set(
    [id?.principalId, ...Object.values(id?.userAssignedIdentities ?? {}).map((u) => u.principalId)].filter(
      (x): x is string => Boolean(x),
    ),
  );
}

/**
 * The agent API. `POST lease/{registry}/{pool}` takes the pool's credential (`Authorization: DockyardAgent <token>`)
 * and nothing else accepts it; it long-polls for a queued run of that pool and hands out the run with a run-scoped
 * credential (`Authorization: DockyardRun <token>`) that works only on `runs/{registry}/{runId}/…` for that run,
 * while its lease is held: heartbeat, log chunks, status, the uploaded source, and the identity tokens, Key Vault
 * secrets and registry credentials of that run's own identities.
 */
export function registerAgentRoutes(app: FastifyInstance, d: AgentRouteDeps): void {
  /** Workload bindings an agent created, per run: revoked when the run ends however it ends. */
  const bindings = new Map<string, Set<string>>();
  d.queue.finished.push(async (run) => {
    const key = `${run.registryName.toLowerCase()}/${run.runId}`;
    for (const s of bindings.get(key) ?? []) await d.services.revokeWorkloadBinding(s).catch(() => undefined);
    bindings.delete(key);
  });

  app.post<{ Params: { registry: string; pool: string } }>(
    `${AGENT_BASE}/lease/:registry/:pool`,
    { bodyLimit: SMALL },
    async (req, reply) => {
      const token = credentialOf(req, 'DockyardAgent');
      const pool = await d.pools.authenticate(req.params.registry, req.params.pool, token);
      if (!pool) throw new DockyardError('AuthenticationFailed', 'The agent pool credential is not valid.');
      const b = obj(req);
      const agent = b.agentId === undefined ? 'agent' : String(b.agentId);
      if (!AGENT_ID_RE.test(agent)) throw new DockyardError('InvalidParameter', "'agentId' is invalid.");
      const wait = Math.min(MAX_WAIT_S, Math.max(0, Number(b.waitSeconds ?? 0) || 0));
      const deadline = Date.now() + wait * 1000;
      // The agent went away (the response closed unanswered). Not `req.raw.destroyed`: Node destroys the request
      // stream once its body is read, which ended every long poll after its first pass.
      let gone = false;
      reply.raw.once('close', () => (gone = true));
      for (let current = pool; ; ) {
        const leased = await d.leases.claimForPool({
          registryName: current.registry_name,
          pool: current.name,
          limit: current.count,
          agentId: `agent:${pool.name}:${agent}`,
          leaseMs: d.leaseMs(),
        });
        if (leased) {
          const registry = await d.services.registryByName(leased.run.request.registryName);
          d.log.info({ runId: leased.run.runId, pool: pool.name, agent }, 'run leased to an agent');
          // Its masking writer (the run's secret values) for the chunks the agent sends.
          d.queue.remoteLog(leased.run);
          const request = {
            ...leased.run.request,
            uploadedContext: leased.run.request.uploadedContext ? 'server' : null,
          };
          // Everything the run needs, and nothing more: not the log-link signing key.
          const { logToken: _logToken, ...run } = leased.run;
          return reply.send({
            run: { ...run, request },
            token: leased.token,
            registry,
            leaseSeconds: d.leaseMs() / 1000,
          });
        }
        if (Date.now() >= deadline || gone || d.queue.isStopping) return reply.status(204).send();
        await d.queue.waitForWork(Math.min(1000, deadline - Date.now()));
        // The pool's count may change during the long poll (`acr agentpool update --count`); a deleted pool ends it.
        const fresh = await d.pools.reread(current);
        if (!fresh) return reply.status(204).send();
        current = fresh;
      }
    },
  );

  const R = `${AGENT_BASE}/runs/:registry/:runId`;
  type RP = { Params: { registry: string; runId: string } };
  const runOf = async (req: FastifyRequest<RP>): Promise<{ run: RunRecord; token: string }> => {
    const token = credentialOf(req, 'DockyardRun');
    const run = await d.leases.verify(req.params.registry, req.params.runId, token);
    if (run === 'invalid') throw new DockyardError('AuthenticationFailed', 'The run credential is not valid.');
    if (run === 'ended')
      throw new DockyardError(
        'Conflict',
        'The run is not leased with this credential (it ended, was canceled, or its lease expired).',
      );
    return { run, token };
  };
  const principalOf = (run: RunRecord, v: unknown): string => {
    const p = str(v, 'principalId', 64);
    if (!runPrincipals(run).has(p))
      throw new DockyardError('AuthorizationFailed', "The principal is not one of this run's identities.");
    return p;
  };

  app.post<RP>(`${R}/heartbeat`, { bodyLimit: SMALL }, async (req) => {
    const { run, token } = await runOf(req);
    if (!(await d.leases.renew(run, token, d.leaseMs()))) throw new DockyardError('Conflict', 'The lease was lost.');
    return { leaseSeconds: d.leaseMs() / 1000 };
  });
  app.post<RP>(`${R}/running`, { bodyLimit: SMALL }, async (req) => {
    const { run, token } = await runOf(req);
    if (!(await d.leases.markRunning(run, token))) throw new DockyardError('Conflict', 'The lease was lost.');
    return {};
  });
  app.post<RP>(`${R}/log`, { bodyLimit: LOG_CHUNK }, async (req) => {
    const { run } = await runOf(req);
    if (typeof req.body !== 'string')
      throw new DockyardError('InvalidRequestContent', 'Send the log chunk as text/plain.');
    await d.queue.appendRemote(run, req.body);
    return {};
  });
  app.post<RP>(`${R}/complete`, { bodyLimit: SMALL * 4 }, async (req) => {
    const { run, token } = await runOf(req);
    const b = obj(req);
    const status = String(b.status) as (typeof DONE)[number];
    if (!DONE.includes(status)) throw new DockyardError('InvalidParameter', "'status' is not a terminal status.");
    const result: RunResult = { ...((b.result ?? {}) as RunResult) };
    result.runErrorMessage =
      b.errorMessage === undefined || b.errorMessage === null ? null : String(b.errorMessage).slice(0, 8192);
    d.queue.remoteLog(run).flush();
    const done = await d.queue.finishRemote(run, status, result, { token });
    if (!done) throw new DockyardError('Conflict', 'The run had already ended.');
    return {};
  });
  app.get<RP>(`${R}/source`, async (req, reply) => {
    const { run } = await runOf(req);
    if (!run.request.uploadedContext) throw new DockyardError('ResourceNotFound', 'The run has no uploaded source.');
    return reply.type('application/gzip').send(await d.uploads.open(run.request.uploadedContext));
  });
  app.post<RP>(`${R}/identity-token`, { bodyLimit: SMALL }, async (req) => {
    const { run } = await runOf(req);
    const b = obj(req);
    const principal = principalOf(run, b.principalId);
    return { accessToken: await d.services.identityToken(principal, str(b.resource, 'resource', 512), 'tasks') };
  });
  app.post<RP>(`${R}/secret`, { bodyLimit: SMALL }, async (req) => {
    const { run } = await runOf(req);
    const b = obj(req);
    const principal = principalOf(run, b.principalId);
    return { value: await d.services.readSecret(principal, str(b.url, 'url')) };
  });
  app.post<RP>(`${R}/registry-credential`, { bodyLimit: SMALL }, async (req) => {
    const { run } = await runOf(req);
    const registry = await d.services.registryByName(run.request.registryName);
    if (!registry) throw new DockyardError('ResourceNotFound', 'The run’s registry no longer exists.');
    return d.services.sourceRegistryCredential(registry);
  });
  app.post<RP>(`${R}/workload-binding`, { bodyLimit: SMALL }, async (req) => {
    const { run } = await runOf(req);
    const b = obj(req);
    const ids = Array.isArray(b.identities) ? b.identities.slice(0, 64).map((x) => principalOf(run, x)) : [];
    if (!ids.length) throw new DockyardError('InvalidParameter', "'identities' is required.");
    const def = b.defaultIdentity === undefined ? ids[0] : principalOf(run, b.defaultIdentity);
    const key = `${run.registryName.toLowerCase()}/${run.runId}`;
    const binding = await d.services.createWorkloadBinding({
      identities: ids,
      defaultIdentity: def,
      trustedService: 'tasks',
      // Never beyond the run's own timeout; revoked when the run ends (finished listener above).
      expiresAt: new Date(Math.min(Date.parse(String(b.expiresAt)) || 0, Date.now() + run.timeout * 1000)),
      isActive: () => bindings.has(key),
    });
    if (!bindings.has(key)) bindings.set(key, new Set());
    bindings.get(key)!.add(binding.secret);
    return binding;
  });
  app.post<RP>(`${R}/workload-binding/revoke`, { bodyLimit: SMALL }, async (req) => {
    const { run } = await runOf(req);
    const secret = str(obj(req).secret, 'secret', 256);
    const set = bindings.get(`${run.registryName.toLowerCase()}/${run.runId}`);
    if (set?.delete(secret)) await d.services.revokeWorkloadBinding(secret);
    return {};
  });
}
