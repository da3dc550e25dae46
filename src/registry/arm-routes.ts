import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { authorizeRequest, errorHandlerFor, requireApiVersion, type Authorizer } from '../http/index.js';
import { DockyardError } from '../shared/index.js';
import type { AdminUsers, AdminCredentials } from './admin-user.js';
import type { RegistryDirectory } from './ports.js';
import { registerTokenArmRoutes } from './token-arm-routes.js';
import type { ScopeMaps } from './scope-maps.js';
import type { RegistryTokens } from './repo-tokens.js';

const BASE = '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.ContainerRegistry/registries/:name';
type P = { sub: string; rg: string; name: string };

export interface RegistryArmDeps {
  directory: RegistryDirectory;
  admins: AdminUsers;
  authorizer: Authorizer;
  apiVersions: readonly string[];
  scopeMaps: ScopeMaps;
  repoTokens: RegistryTokens;
}

const shape = (c: AdminCredentials) => ({ username: c.username, passwords: c.passwords });

/** ARM actions owned by the registry module: `listCredentials`, `regenerateCredential`, scope maps and tokens (az's shapes). */
export function registryArmRoutes(deps: RegistryArmDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(errorHandlerFor('arm'));
    registerTokenArmRoutes(app, deps);
    app.post<{ Params: P }>(`${BASE}/listCredentials`, async (req) => {
      requireApiVersion(req, deps.apiVersions);
      const reg = await deps.directory.byArmPath(req.params.sub, req.params.rg, req.params.name);
      await authorizeRequest(req, deps.authorizer, 'Microsoft.ContainerRegistry/registries/listCredentials/action', reg.id);
      return shape(await deps.admins.list(reg));
    });
    app.post<{ Params: P }>(`${BASE}/regenerateCredential`, async (req) => {
      requireApiVersion(req, deps.apiVersions);
      const reg = await deps.directory.byArmPath(req.params.sub, req.params.rg, req.params.name);
      await authorizeRequest(req, deps.authorizer, 'Microsoft.ContainerRegistry/registries/regenerateCredential/action', reg.id);
      const body = (req.body ?? {}) as { name?: unknown };
      if (typeof body.name !== 'string') throw new DockyardError('InvalidRequestContent', "The request content was invalid: 'name' is required.");
      return shape(await deps.admins.regenerate(reg, body.name));
    });
  };
}
