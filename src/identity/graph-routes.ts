import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError, isGuid, type Principal } from '../shared/index.js';
import { errorHandlerFor } from '../http/index.js';
import type { IdentityService } from './identity-service.js';
import { RESOURCES } from './audiences.js';

/** Where Dockyard serves its Microsoft Graph subset; a client's `microsoftGraphResourceId` is `<endpoint>/graph/`. */
export const GRAPH_PREFIX = '/graph';

/**
 * The read-only slice of Microsoft Graph v1.0 the Azure CLI uses to resolve an assignee (`az role assignment create
 * --assignee <objectId|appId>`): service principal lookup by `servicePrincipalNames`, user lookup by UPN, and
 * `directoryObjects/getByIds`. Callers present a token whose audience is Graph (`RESOURCES.graph`).
 */
export function registerGraphRoutes(identity: IdentityService) {
  return async function graphPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('arm'));
    const caller = async (req: FastifyRequest): Promise<Principal> => {
      const h = req.headers.authorization;
      if (!h || !/^bearer /i.test(h)) throw new DockyardError('InvalidAuthenticationToken', 'Access token is empty.');
      return identity.verifyAccessToken(h.slice(7).trim(), [RESOURCES.graph]);
    };
    const shape = async (p: Principal) => {
      const rec = await identity.directory.getRecord(p.objectId);
      const user = p.type === 'User';
      return {
        '@odata.type': user ? '#microsoft.graph.user' : '#microsoft.graph.servicePrincipal',
        id: p.objectId,
        displayName: p.displayName,
        ...(user
          ? { userPrincipalName: p.displayName }
          : {
              appId: p.appId ?? null,
              servicePrincipalType: p.type === 'ManagedIdentity' ? 'ManagedIdentity' : 'Application',
              servicePrincipalNames: [p.appId, rec?.resourceId].filter((x): x is string => Boolean(x)),
              alternativeNames: rec?.resourceId
                ? [`isExplicit=${p.identityKind === 'UserAssigned'}`, rec.resourceId]
                : [],
            }),
      };
    };

    app.get<{ Querystring: Record<string, string> }>(`${GRAPH_PREFIX}/v1.0/servicePrincipals`, async (req) => {
      await caller(req);
      const name = /servicePrincipalNames\/any\(\w+:\w+ eq '([^']*)'\)/i.exec(req.query.$filter ?? '')?.[1];
      const appId = /appId eq '([^']*)'/i.exec(req.query.$filter ?? '')?.[1];
      const key = name ?? appId;
      if (!key)
        throw new DockyardError(
          'Request_UnsupportedQuery',
          "Only $filter=servicePrincipalNames/any(c:c eq '<name>') or appId eq '<id>' is supported.",
        );
      const d = identity.directory;
      const p = key.startsWith('/') ? await d.getByResourceId(key) : isGuid(key) ? await d.getByAppId(key) : null;
      return { value: p && p.type !== 'User' ? [await shape(p)] : [] };
    });

    app.get<{ Querystring: Record<string, string> }>(`${GRAPH_PREFIX}/v1.0/users`, async (req) => {
      await caller(req);
      return { value: [] };
    });

    app.post<{ Body: { ids?: unknown } }>(`${GRAPH_PREFIX}/v1.0/directoryObjects/getByIds`, async (req) => {
      await caller(req);
      const ids = Array.isArray(req.body?.ids) ? req.body.ids.filter((x): x is string => typeof x === 'string') : [];
      const value = [];
      for (const id of ids) {
        const p = isGuid(id) ? await identity.directory.getByObjectId(id) : null;
        if (p) value.push(await shape(p));
      }
      return { value };
    });
  };
}
