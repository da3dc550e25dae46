import type { FastifyInstance, FastifyRequest } from 'fastify';
import { armPage, requireApiVersion, requirePrincipal } from '../../http/index.js';
import { identityShape, registryShape } from '../shapes.js';
import { API_VERSIONS, type ArmDeps } from './context.js';

type Item = { id: string; name: string; type: string; location: string; tags: Record<string, string> };

/**
 * `GET /subscriptions/{sub}/resources` (Microsoft.Resources "list resources") with the `$filter` forms clients use to find
 * a resource's group by name: `resourceType eq '<type>'`, `name eq '<name>'`, joined with `and`. The Azure CLI resolves
 * `az acr show -n <name>` (no `-g`) this way. Only resources the caller may read are listed.
 */
export function registerResourceListRoutes(app: FastifyInstance, deps: ArmDeps): void {
  app.get<{ Params: { sub: string }; Querystring: Record<string, string> }>(
    '/subscriptions/:sub/resources',
    async (req) => {
      requireApiVersion(req, API_VERSIONS.resources);
      requirePrincipal(req);
      const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
      const f = parseFilter(req.query.$filter);
      const items: Item[] = [];
      const want = (type: string) => !f.resourceType || f.resourceType === type.toLowerCase();
      if (want('Microsoft.ContainerRegistry/registries')) {
        for (const r of await deps.registries.list(sub))
          if (await readable(req, deps, 'Microsoft.ContainerRegistry/registries/read', r.id))
            items.push(registryShape(r) as Item);
      }
      if (want('Microsoft.ManagedIdentity/userAssignedIdentities')) {
        for (const r of await deps.identities.list(sub)) {
          const shape = identityShape(r) as Item;
          if (await readable(req, deps, 'Microsoft.ManagedIdentity/userAssignedIdentities/read', shape.id))
            items.push(shape);
        }
      }
      for (const lister of deps.resourceListers ?? []) {
        for (const { readAction, item } of await lister(sub)) {
          if (want(item.type) && (await readable(req, deps, readAction, item.id))) items.push(item);
        }
      }
      const value = items
        .filter((i) => !f.name || i.name.toLowerCase() === f.name)
        .map((i) => ({ id: i.id, name: i.name, type: i.type, location: i.location, tags: i.tags ?? {} }));
      return armPage(req, value);
    },
  );
}

async function readable(req: FastifyRequest, deps: ArmDeps, action: string, scope: string): Promise<boolean> {
  if (!req.principal) return false;
  return deps.authorizer.isAllowed(req.principal, action, scope).catch(() => false);
}

/** `resourceType eq 'X' and name eq 'y'` → lower-cased values; other clauses are ignored. */
function parseFilter(filter: string | undefined): { resourceType?: string; name?: string } {
  const out: { resourceType?: string; name?: string } = {};
  for (const m of (filter ?? '').matchAll(/\b(resourceType|name)\s+eq\s+'([^']*)'/gi)) {
    if (m[1].toLowerCase() === 'resourcetype') out.resourceType = m[2].toLowerCase();
    else out.name = m[2].toLowerCase();
  }
  return out;
}
