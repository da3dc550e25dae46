import type { FastifyInstance } from 'fastify';
import { armPage, requireApiVersion } from '../../http/index.js';
import { identityShape } from '../shapes.js';
import { API_VERSIONS, authorize, groupOf, bodyObject, notifyDeleted, tagsOf, type ArmDeps } from './context.js';

type P = { sub: string; rg: string; name: string };
const BASE = '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities';

export function registerIdentityRoutes(app: FastifyInstance, deps: ArmDeps): void {
  const v = API_VERSIONS.identities;

  app.put<{ Params: P }>(`${BASE}/:name`, async (req, reply) => {
    const { sub, group } = await groupOf(req, deps, v);
    await authorize(
      req,
      deps,
      'Microsoft.ManagedIdentity/userAssignedIdentities/write',
      `${group.id}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${req.params.name}`,
    );
    const body = bodyObject(req);
    const { row, created } = await deps.identities.createOrUpdate(
      sub,
      group.name,
      req.params.name,
      (body.location as string | undefined) ?? group.location,
      tagsOf(body.tags),
    );
    return reply.status(created ? 201 : 200).send(identityShape(row));
  });

  app.get<{ Params: P }>(`${BASE}/:name`, async (req) => {
    const { sub, group } = await groupOf(req, deps, v);
    const row = await deps.identities.get(sub, group.name, req.params.name);
    await authorize(req, deps, 'Microsoft.ManagedIdentity/userAssignedIdentities/read', row.id);
    return identityShape(row);
  });

  app.delete<{ Params: P }>(`${BASE}/:name`, async (req, reply) => {
    const { sub, group } = await groupOf(req, deps, v);
    const row = await deps.identities.find(sub, group.name, req.params.name);
    if (!row) return reply.status(204).send();
    await authorize(req, deps, 'Microsoft.ManagedIdentity/userAssignedIdentities/delete', row.id);
    await deps.identities.delete(row);
    await notifyDeleted(deps, row.id);
    return reply.status(200).send();
  });

  app.get<{ Params: { sub: string; rg: string } }>(BASE, async (req) => {
    const { sub, group } = await groupOf(req, deps, v);
    await authorize(req, deps, 'Microsoft.ManagedIdentity/userAssignedIdentities/read', group.id);
    return armPage(req, (await deps.identities.list(sub, group.name)).map(identityShape));
  });

  app.get<{ Params: { sub: string } }>(
    '/subscriptions/:sub/providers/Microsoft.ManagedIdentity/userAssignedIdentities',
    async (req) => {
      requireApiVersion(req, v);
      const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
      await authorize(req, deps, 'Microsoft.ManagedIdentity/userAssignedIdentities/read', `/subscriptions/${sub}`);
      return armPage(req, (await deps.identities.list(sub)).map(identityShape));
    },
  );
}
