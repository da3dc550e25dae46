import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { authorizeRequest, errorHandlerFor, requireApiVersion, type Authorizer } from '../http/index.js';
import { DockyardError } from '../shared/index.js';
import type { AdminUsers, AdminCredentials } from './admin-user.js';
import type { RegistryDirectory, RegistryInfo } from './ports.js';
import { registerTokenArmRoutes } from './token-arm-routes.js';
import type { ScopeMaps } from './scope-maps.js';
import type { RegistryTokens } from './repo-tokens.js';
import { scopeMapLimit, tokenLimit } from './sku-limits.js';

const BASE = '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.ContainerRegistry/registries/:name';
type P = { sub: string; rg: string; name: string };

export interface RegistryArmDeps {
  directory: RegistryDirectory;
  admins: AdminUsers;
  authorizer: Authorizer;
  apiVersions: readonly string[];
  /** Bytes stored by a registry (usage `Size`). */
  storageBytes(registryName: string): Promise<number>;
  /** Usages other modules own (e.g. `Webhooks`), appended to `listUsages`. */
  extraUsages?: (registry: RegistryInfo) => Promise<Usage[]>;
  scopeMaps: ScopeMaps;
  repoTokens: RegistryTokens;
}

export interface Usage {
  name: string;
  limit: number;
  currentValue: number;
  unit: 'Count' | 'Bytes';
}

const GIB = 1024 ** 3;
/** Included storage per SKU (usage `Size` limit): Basic 10 GiB, Standard 100 GiB, Premium 500 GiB. */
export const INCLUDED_STORAGE: Record<string, number> = { Basic: 10 * GIB, Standard: 100 * GIB, Premium: 500 * GIB };

const shape = (c: AdminCredentials) => ({ username: c.username, passwords: c.passwords });

/** ARM actions owned by the registry module: `listCredentials`, `regenerateCredential`, scope maps and tokens (az's shapes). */
export function registryArmRoutes(deps: RegistryArmDeps): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(errorHandlerFor('arm'));
    registerTokenArmRoutes(app, deps);
    app.post<{ Params: P }>(`${BASE}/listCredentials`, async (req) => {
      requireApiVersion(req, deps.apiVersions);
      const reg = await deps.directory.byArmPath(req.params.sub, req.params.rg, req.params.name);
      await authorizeRequest(
        req,
        deps.authorizer,
        'Microsoft.ContainerRegistry/registries/listCredentials/action',
        reg.id,
      );
      return shape(await deps.admins.list(reg));
    });
    // az 2.45: GET (not POST) listUsages -> {value: [{name, limit, currentValue, unit}]}.
    app.get<{ Params: P }>(`${BASE}/listUsages`, async (req) => {
      requireApiVersion(req, deps.apiVersions);
      const reg = await deps.directory.byArmPath(req.params.sub, req.params.rg, req.params.name);
      await authorizeRequest(req, deps.authorizer, 'Microsoft.ContainerRegistry/registries/listUsages/read', reg.id);
      const size: Usage = {
        name: 'Size',
        limit: INCLUDED_STORAGE[reg.sku ?? 'Basic'] ?? INCLUDED_STORAGE.Basic,
        currentValue: await deps.storageBytes(reg.name),
        unit: 'Bytes',
      };
      const counts: Usage[] = [
        {
          name: 'ScopeMaps',
          limit: scopeMapLimit(reg.sku),
          currentValue: await deps.scopeMaps.count(reg),
          unit: 'Count',
        },
        { name: 'Tokens', limit: tokenLimit(reg.sku), currentValue: await deps.repoTokens.count(reg), unit: 'Count' },
      ];
      return { value: [size, ...((await deps.extraUsages?.(reg)) ?? []), ...counts] };
    });
    app.post<{ Params: P }>(`${BASE}/regenerateCredential`, async (req) => {
      requireApiVersion(req, deps.apiVersions);
      const reg = await deps.directory.byArmPath(req.params.sub, req.params.rg, req.params.name);
      await authorizeRequest(
        req,
        deps.authorizer,
        'Microsoft.ContainerRegistry/registries/regenerateCredential/action',
        reg.id,
      );
      const body = (req.body ?? {}) as { name?: unknown };
      if (typeof body.name !== 'string')
        throw new DockyardError('InvalidRequestContent', "The request content was invalid: 'name' is required.");
      return shape(await deps.admins.regenerate(reg, body.name));
    });
  };
}
