import type { FastifyInstance } from 'fastify';
import { armPage, requireApiVersion, requirePrincipal } from '../../http/index.js';
import { groupShape } from '../shapes.js';
import { API_VERSIONS, authorize, bodyObject, notifyDeleted, tagsOf, type ArmDeps } from './context.js';

type P = { sub: string; rg: string };

export function registerResourceGroupRoutes(app: FastifyInstance, deps: ArmDeps): void {
  const v = API_VERSIONS.resources;

  app.get('/subscriptions', async (req) => {
    requireApiVersion(req, v);
    requirePrincipal(req);
    const subs = await deps.subscriptions.list();
    return armPage(
      req,
      subs.map((s) => ({
        id: `/subscriptions/${s.subscription_id}`,
        subscriptionId: s.subscription_id,
        tenantId: s.tenant_id,
        displayName: s.display_name,
        state: 'Enabled',
      })),
    );
  });

  app.get<{ Params: { sub: string } }>('/subscriptions/:sub', async (req) => {
    requireApiVersion(req, v);
    requirePrincipal(req);
    const s = await deps.subscriptions.get(req.params.sub);
    return {
      id: `/subscriptions/${s.subscription_id}`,
      subscriptionId: s.subscription_id,
      tenantId: s.tenant_id,
      displayName: s.display_name,
      state: 'Enabled',
    };
  });

  app.put<{ Params: P }>('/subscriptions/:sub/resourcegroups/:rg', async (req, reply) => {
    requireApiVersion(req, v);
    const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
    await authorize(
      req,
      deps,
      'Microsoft.Resources/subscriptions/resourceGroups/write',
      `/subscriptions/${sub}/resourceGroups/${req.params.rg}`,
    );
    const body = bodyObject(req);
    const { row, created } = await deps.groups.createOrUpdate(
      sub,
      req.params.rg,
      body.location as string | undefined,
      tagsOf(body.tags),
    );
    return reply.status(created ? 201 : 200).send(groupShape(row));
  });

  app.get<{ Params: P }>('/subscriptions/:sub/resourcegroups/:rg', async (req) => {
    requireApiVersion(req, v);
    const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
    const row = await deps.groups.get(sub, req.params.rg);
    await authorize(req, deps, 'Microsoft.Resources/subscriptions/resourceGroups/read', row.id);
    return groupShape(row);
  });

  app.head<{ Params: P }>('/subscriptions/:sub/resourcegroups/:rg', async (req, reply) => {
    requireApiVersion(req, v);
    const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
    const row = await deps.groups.find(sub, req.params.rg);
    return reply.status(row ? 204 : 404).send();
  });

  app.get<{ Params: { sub: string } }>('/subscriptions/:sub/resourcegroups', async (req) => {
    requireApiVersion(req, v);
    const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
    const rows = await deps.groups.list(sub);
    const visible = [];
    for (const r of rows) {
      if (
        await deps.authorizer
          .isAllowed(req.principal!, 'Microsoft.Resources/subscriptions/resourceGroups/read', r.id)
          .catch(() => false)
      )
        visible.push(groupShape(r));
    }
    if (!req.principal)
      await authorize(req, deps, 'Microsoft.Resources/subscriptions/resourceGroups/read', `/subscriptions/${sub}`);
    return armPage(req, visible);
  });

  app.delete<{ Params: P }>('/subscriptions/:sub/resourcegroups/:rg', async (req, reply) => {
    requireApiVersion(req, v);
    const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
    const row = await deps.groups.get(sub, req.params.rg);
    await authorize(req, deps, 'Microsoft.Resources/subscriptions/resourceGroups/delete', row.id);
    // Deleting a group deletes what is in it, as in ARM.
    for (const r of await deps.registries.list(sub, row.name)) {
      await deps.registries.delete(r);
      await notifyDeleted(deps, r.id);
    }
    for (const i of await deps.identities.list(sub, row.name)) {
      await deps.identities.delete(i);
      await notifyDeleted(deps, i.id);
    }
    await deps.groups.delete(sub, row.name);
    await notifyDeleted(deps, row.id);
    return reply.status(200).send();
  });
}
