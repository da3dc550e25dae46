import type { FastifyInstance } from 'fastify';
import { DockyardError } from '../../shared/index.js';
import { armPage, requireApiVersion } from '../../http/index.js';
import { registryShape, type NetworkRuleSet } from '../shapes.js';
import type { RegistryCreate } from '../registries.js';
import {
  API_VERSIONS,
  authorize,
  groupOf,
  bodyObject,
  notifyDeleted,
  optionalObject,
  tagsOf,
  type ArmDeps,
} from './context.js';

type P = { sub: string; rg: string; name: string };
const BASE = '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.ContainerRegistry/registries';

function parseBody(body: Record<string, unknown>): RegistryCreate {
  const props = optionalObject(body.properties, 'properties') ?? {};
  const sku = optionalObject(body.sku, 'sku');
  const out: RegistryCreate = {};
  if (sku?.name !== undefined) out.sku = String(sku.name);
  if (body.location !== undefined) out.location = String(body.location);
  if (props.adminUserEnabled !== undefined) out.adminUserEnabled = bool(props.adminUserEnabled, 'adminUserEnabled');
  if (props.anonymousPullEnabled !== undefined)
    out.anonymousPullEnabled = bool(props.anonymousPullEnabled, 'anonymousPullEnabled');
  if (props.publicNetworkAccess !== undefined) out.publicNetworkAccess = String(props.publicNetworkAccess) as 'Enabled';
  if (props.networkRuleBypassOptions !== undefined)
    out.networkRuleBypassOptions = String(props.networkRuleBypassOptions) as 'None';
  if (props.networkRuleBypassAllowedForTasks !== undefined)
    out.networkRuleBypassAllowedForTasks = bool(
      props.networkRuleBypassAllowedForTasks,
      'networkRuleBypassAllowedForTasks',
    );
  if (props.networkRuleSet !== undefined && props.networkRuleSet !== null)
    out.networkRuleSet = optionalObject(props.networkRuleSet, 'networkRuleSet') as unknown as NetworkRuleSet;
  const policies = optionalObject(props.policies, 'policies');
  const retention = policies ? optionalObject(policies.retentionPolicy, 'retentionPolicy') : undefined;
  if (retention) out.retentionPolicy = { days: retention.days, status: retention.status };
  const tags = tagsOf(body.tags);
  if (tags) out.tags = tags;
  return out;
}

function bool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean')
    throw new DockyardError('InvalidRequestContent', `The request content was invalid: '${what}' must be a boolean.`);
  return v;
}

export function registerRegistryRoutes(app: FastifyInstance, deps: ArmDeps): void {
  const v = API_VERSIONS.registries;

  app.put<{ Params: P }>(`${BASE}/:name`, async (req, reply) => {
    const { sub, group } = await groupOf(req, deps, v);
    await authorize(
      req,
      deps,
      'Microsoft.ContainerRegistry/registries/write',
      `${group.id}/providers/Microsoft.ContainerRegistry/registries/${req.params.name}`,
    );
    const input = parseBody(bodyObject(req));
    const existing = await deps.registries.find(sub, group.name, req.params.name);
    if (existing) return reply.status(200).send(registryShape(await deps.registries.update(existing, input)));
    if (!input.sku) throw new DockyardError('InvalidParameter', "The 'sku' property is required.");
    const row = await deps.registries.create(sub, group.name, req.params.name, input, group.location);
    return reply.status(201).send(registryShape(row));
  });

  app.patch<{ Params: P }>(`${BASE}/:name`, async (req) => {
    const { sub, group } = await groupOf(req, deps, v);
    const existing = await deps.registries.get(sub, group.name, req.params.name);
    await authorize(req, deps, 'Microsoft.ContainerRegistry/registries/write', existing.id);
    return registryShape(await deps.registries.update(existing, parseBody(bodyObject(req))));
  });

  app.get<{ Params: P }>(`${BASE}/:name`, async (req) => {
    const { sub, group } = await groupOf(req, deps, v);
    const row = await deps.registries.get(sub, group.name, req.params.name);
    await authorize(req, deps, 'Microsoft.ContainerRegistry/registries/read', row.id);
    return registryShape(row);
  });

  app.delete<{ Params: P }>(`${BASE}/:name`, async (req, reply) => {
    const { sub, group } = await groupOf(req, deps, v);
    const row = await deps.registries.find(sub, group.name, req.params.name);
    if (!row) return reply.status(204).send();
    await authorize(req, deps, 'Microsoft.ContainerRegistry/registries/delete', row.id);
    await deps.registries.delete(row);
    await notifyDeleted(deps, row.id);
    return reply.status(200).send();
  });

  app.get<{ Params: { sub: string; rg: string } }>(BASE, async (req) => {
    const { sub, group } = await groupOf(req, deps, v);
    return armPage(req, await visible(req, deps, await deps.registries.list(sub, group.name)));
  });

  app.get<{ Params: { sub: string } }>(
    '/subscriptions/:sub/providers/Microsoft.ContainerRegistry/registries',
    async (req) => {
      requireApiVersion(req, v);
      const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
      return armPage(req, await visible(req, deps, await deps.registries.list(sub)));
    },
  );

  app.post<{ Params: { sub: string } }>(
    '/subscriptions/:sub/providers/Microsoft.ContainerRegistry/checkNameAvailability',
    async (req) => {
      requireApiVersion(req, v);
      const body = bodyObject(req);
      const name = String(body.name ?? '');
      if (!/^[a-zA-Z0-9]{5,50}$/.test(name))
        return { nameAvailable: false, reason: 'Invalid', message: 'The specified resource name is invalid.' };
      const taken = await deps.registries.byName(name);
      return taken
        ? { nameAvailable: false, reason: 'AlreadyExists', message: `The registry ${name} is already in use.` }
        : { nameAvailable: true };
    },
  );
}

async function visible(
  req: Parameters<typeof authorize>[0],
  deps: ArmDeps,
  rows: Awaited<ReturnType<ArmDeps['registries']['list']>>,
) {
  if (!req.principal) await authorize(req, deps, 'Microsoft.ContainerRegistry/registries/read', '/');
  const out = [];
  for (const r of rows)
    if (await deps.authorizer.isAllowed(req.principal!, 'Microsoft.ContainerRegistry/registries/read', r.id))
      out.push(registryShape(r));
  return out;
}
