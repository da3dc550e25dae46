import type { FastifyInstance } from 'fastify';
import { DockyardError, isGuid } from '../shared/index.js';
import { authorizeRequest, errorHandlerFor, requirePrincipal, type Authorizer } from '../http/index.js';
import type { IdentityService } from './identity-service.js';

/**
 * A small directory API (what az reaches through Microsoft Graph): resolve an assignee by object id, app id or
 * resource id, and create service principals with a client secret (`ad sp create-for-rbac`).
 */
export function registerPrincipalRoutes(identity: IdentityService, authorizer: Authorizer, subscriptionScope: string) {
  return async function principalPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('arm'));
    app.get<{ Params: { id: string } }>('/dockyard/v1/principals/:id', async (req) => {
      requirePrincipal(req);
      const id = decodeURIComponent(req.params.id);
      const d = identity.directory;
      const p = id.startsWith('/')
        ? await d.getByResourceId(id)
        : isGuid(id)
          ? ((await d.getByObjectId(id)) ?? (await d.getByAppId(id)))
          : null;
      if (!p)
        throw new DockyardError(
          'PrincipalNotFound',
          `Cannot find user or service principal in graph database for '${id}'.`,
        );
      const rec = await d.getRecord(p.objectId);
      return {
        objectId: p.objectId,
        appId: p.appId ?? null,
        displayName: p.displayName,
        type: p.type,
        identityKind: p.identityKind ?? null,
        resourceId: rec?.resourceId ?? null,
        tenantId: p.tenantId,
      };
    });
    app.post('/dockyard/v1/servicePrincipals', async (req, reply) => {
      await authorizeRequest(req, authorizer, 'Microsoft.Authorization/roleAssignments/write', subscriptionScope);
      const body = (req.body ?? {}) as { displayName?: string };
      const name =
        body.displayName?.trim() ||
        `dockyard-sp-${new Date()
          .toISOString()
          .replace(/[-:T.Z]/g, '')
          .slice(0, 14)}`;
      return reply.status(201).send(await identity.createServicePrincipal(name));
    });
  };
}
