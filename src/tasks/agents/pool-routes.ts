import type { FastifyInstance } from 'fastify';
import { armPage } from '../../http/index.js';
import { DockyardError } from '../../shared/index.js';
import { body, REG_BASE, registryFor, type RegParams, type TaskRouteDeps } from '../routes/context.js';
import type { RunLeases } from '../runs/run-leases.js';
import type { RunQueue } from '../runs/run-queue.js';
import { poolShape, type PoolInput, type PoolStore } from './pool-store.js';

type PP = RegParams & { pool: string };
const ACTION = 'Microsoft.ContainerRegistry/registries/agentPools';
export const PREMIUM_ONLY = 'Agent pools are only supported for managed registries in Premium SKU.';

export interface PoolRouteDeps {
  pools: PoolStore;
  leases: RunLeases;
  queue: RunQueue;
}

function inputOf(b: Record<string, unknown>): PoolInput {
  const p = (b.properties ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || p === null || Array.isArray(p))
    throw new DockyardError(
      'InvalidRequestContent',
      "The request content was invalid: 'properties' must be an object.",
    );
  const out: PoolInput = {};
  if (b.location !== undefined) out.location = String(b.location).slice(0, 100);
  if (b.tags !== undefined && b.tags !== null) out.tags = b.tags as Record<string, string>;
  if (p.count !== undefined) out.count = p.count as number;
  if (p.tier !== undefined) out.tier = String(p.tier);
  if (p.os !== undefined) out.os = String(p.os);
  if (p.virtualNetworkSubnetResourceId !== undefined)
    out.subnetId = p.virtualNetworkSubnetResourceId === null ? null : String(p.virtualNetworkSubnetResourceId);
  return out;
}

/**
 * ARM `registries/{r}/agentPools/{p}`: GET, list, PUT, PATCH (tags, count), DELETE (visible as `Deleting` briefly),
 * `listQueueStatus`, and Dockyard's `generateCredential` (the pool's agent credential, shown once). Premium only.
 */
export function registerPoolRoutes(app: FastifyInstance, deps: TaskRouteDeps, p: PoolRouteDeps): void {
  const ctx = async (req: Parameters<typeof registryFor>[0], action: string) => {
    const { reg } = await registryFor(req, deps, `${ACTION}/${action}`);
    if (reg.sku !== 'Premium') throw new DockyardError('OperationNotAllowed', PREMIUM_ONLY);
    return reg;
  };
  const base = `${REG_BASE}/agentPools`;

  app.get<{ Params: RegParams }>(base, async (req) => {
    const reg = await ctx(req, 'read');
    return armPage(
      req,
      (await p.pools.list(reg)).map((x) => poolShape(x, reg.resourceGroup)),
    );
  });
  app.get<{ Params: PP }>(`${base}/:pool`, async (req) => {
    const reg = await ctx(req, 'read');
    const pool = await p.pools.get(reg, req.params.pool);
    if (!pool)
      throw new DockyardError(
        'ResourceNotFound',
        `The agent pool '${req.params.pool}' was not found in registry '${reg.name}'.`,
      );
    return poolShape(pool, reg.resourceGroup);
  });
  app.put<{ Params: PP }>(`${base}/:pool`, { bodyLimit: 64 * 1024 }, async (req, reply) => {
    const reg = await ctx(req, 'write');
    const { pool, created } = await p.pools.put(reg, req.params.pool, inputOf(body(req)));
    return reply.status(created ? 201 : 200).send(poolShape(pool, reg.resourceGroup));
  });
  app.patch<{ Params: PP }>(`${base}/:pool`, { bodyLimit: 64 * 1024 }, async (req) => {
    const reg = await ctx(req, 'write');
    const b = body(req);
    const props = (b.properties ?? {}) as Record<string, unknown>;
    const pool = await p.pools.patch(reg, req.params.pool, { tags: b.tags ?? undefined, count: props.count });
    return poolShape(pool, reg.resourceGroup);
  });
  app.delete<{ Params: PP }>(`${base}/:pool`, async (req, reply) => {
    const reg = await ctx(req, 'delete');
    const gone = await p.pools.delete(reg, req.params.pool);
    if (!gone) return reply.status(204).send();
    // Runs still waiting for the pool can never run now.
    for (const run of await p.leases.failQueuedOfPool(
      reg.name,
      gone.name,
      `The agent pool '${gone.name}' was deleted.`,
    )) {
      await deps.logs
        .writer(reg.name, run.runId)
        .last(`Run ID: ${run.runId} failed. Error: The agent pool '${gone.name}' was deleted.`);
    }
    return reply.status(200).send();
  });
  app.post<{ Params: PP }>(`${base}/:pool/listQueueStatus`, async (req) => {
    const reg = await ctx(req, 'listQueueStatus/action');
    const pool = await p.pools.require(reg, req.params.pool);
    return { count: await p.leases.queuedCount(reg.name, pool.name) };
  });
  // Dockyard: the credential `dockyard agent --token-file` presents. Holding it lets an agent lease this pool's runs
  // (and nothing else), so issuing one takes write on the pool.
  app.post<{ Params: PP }>(`${base}/:pool/generateCredential`, async (req) => {
    const reg = await ctx(req, 'write');
    const { token, pool } = await p.pools.issueCredential(reg, req.params.pool);
    return { token, pool: pool.name, registry: reg.name, created: pool.credential_created };
  });
}
