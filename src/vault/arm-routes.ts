import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError } from '../shared/index.js';
import { armPage, authorizeRequest, errorHandlerFor, requireApiVersion, type Authorizer } from '../http/index.js';
import type { VaultService } from './vault-service.js';
import { vaultShape } from './shapes.js';
import type { AccessPolicy } from './tables.js';

/** What the vault's ARM routes need from the control plane (implemented by the composition root). */
export interface VaultArmPort {
  authorizer: Authorizer;
  /** Canonical subscription id; throws SubscriptionNotFound. */
  subscription(sub: string): Promise<string>;
  /** The resource group's canonical name and location; throws ResourceGroupNotFound. */
  group(sub: string, rg: string): Promise<{ name: string; location: string }>;
  onDeleted(resourceId: string): Promise<void>;
}

export const VAULT_API_VERSIONS = [
  '2024-12-01-preview',
  '2024-11-01',
  '2024-04-01-preview',
  '2023-07-01',
  '2023-02-01',
  '2022-11-01',
  '2022-07-01',
  '2021-10-01',
  '2021-06-01-preview',
  '2019-09-01',
  '2018-02-14',
];
const BASE = '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.KeyVault/vaults';
type P = { Params: { sub: string; rg: string; name: string } };

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const tagsOf = (v: unknown): Record<string, string> | undefined =>
  v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, String(x)]))
    : undefined;

/** ARM `Microsoft.KeyVault/vaults`: create/update, show, list, delete, access policy updates. */
export function registerVaultArmRoutes(vaults: VaultService, port: VaultArmPort) {
  return async function vaultArmPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('arm'));
    const locate = async (req: FastifyRequest<P>) => {
      requireApiVersion(req, VAULT_API_VERSIONS);
      const sub = await port.subscription(req.params.sub);
      const group = await port.group(sub, req.params.rg);
      return {
        sub,
        group,
        id: `/subscriptions/${sub}/resourceGroups/${group.name}/providers/Microsoft.KeyVault/vaults/${req.params.name}`,
      };
    };
    const existing = async (req: FastifyRequest<P>, id: string) => {
      const v = await vaults.store.byName(req.params.name);
      if (!v || v.id_lower !== id.toLowerCase())
        throw new DockyardError(
          'ResourceNotFound',
          `The Resource 'Microsoft.KeyVault/vaults/${req.params.name}' under resource group '${req.params.rg}' was not found.`,
        );
      return v;
    };

    const write = async (req: FastifyRequest<P>, patchOnly: boolean) => {
      const { sub, group, id } = await locate(req);
      const caller = await authorizeRequest(req, port.authorizer, 'Microsoft.KeyVault/vaults/write', id);
      const body = obj(req.body);
      const props = obj(body.properties);
      if (patchOnly) await existing(req, id);
      const sku = obj(props.sku).name as string | undefined;
      const { row, created } = await vaults.createOrUpdate({
        sub,
        rg: group.name,
        name: req.params.name,
        location: (body.location as string | undefined) ?? group.location,
        creator: caller,
        ...(tagsOf(body.tags) ? { tags: tagsOf(body.tags) } : {}),
        ...(sku ? { sku } : {}),
        ...(typeof props.enableRbacAuthorization === 'boolean'
          ? { enableRbacAuthorization: props.enableRbacAuthorization }
          : {}),
        ...(Array.isArray(props.accessPolicies) ? { accessPolicies: props.accessPolicies as AccessPolicy[] } : {}),
      });
      return { shape: vaultShape(row), created };
    };
    app.put<P>(`${BASE}/:name`, async (req, reply) => {
      const { shape, created } = await write(req, false);
      return reply.status(created ? 201 : 200).send(shape);
    });
    app.patch<P>(`${BASE}/:name`, async (req) => (await write(req, true)).shape);

    app.get<P>(`${BASE}/:name`, async (req) => {
      const { id } = await locate(req);
      const v = await existing(req, id);
      await authorizeRequest(req, port.authorizer, 'Microsoft.KeyVault/vaults/read', v.id);
      return vaultShape(v);
    });

    app.delete<P>(`${BASE}/:name`, async (req, reply) => {
      const { id } = await locate(req);
      const v = await vaults.store.byName(req.params.name);
      if (!v || v.id_lower !== id.toLowerCase()) return reply.status(204).send();
      await authorizeRequest(req, port.authorizer, 'Microsoft.KeyVault/vaults/delete', v.id);
      await vaults.store.delete(v);
      await port.onDeleted(v.id);
      return reply.status(200).send();
    });

    app.put<{ Params: P['Params'] & { kind: string } }>(`${BASE}/:name/accessPolicies/:kind`, async (req) => {
      const { id } = await locate(req);
      const v = await existing(req, id);
      await authorizeRequest(req, port.authorizer, 'Microsoft.KeyVault/vaults/accessPolicies/write', v.id);
      const kind = req.params.kind.toLowerCase();
      if (kind !== 'add' && kind !== 'replace' && kind !== 'remove')
        throw new DockyardError('InvalidParameter', `Unknown access policy operation '${req.params.kind}'.`);
      const policies = obj(obj(req.body).properties).accessPolicies;
      if (!Array.isArray(policies))
        throw new DockyardError('InvalidRequestContent', "The request must have 'properties.accessPolicies'.");
      const after = await vaults.updatePolicies(v, kind, policies as AccessPolicy[]);
      return {
        id: `${after.id}/accessPolicies/${kind}`,
        type: 'Microsoft.KeyVault/vaults/accessPolicies',
        properties: {
          accessPolicies:
            vaultShape(after).properties &&
            (vaultShape(after).properties as { accessPolicies: unknown }).accessPolicies,
        },
      };
    });

    app.get<{ Params: { sub: string; rg: string } }>(BASE, async (req) => {
      requireApiVersion(req, VAULT_API_VERSIONS);
      const sub = await port.subscription(req.params.sub);
      const group = await port.group(sub, req.params.rg);
      const out = [];
      for (const v of await vaults.store.list(sub, group.name))
        if (await port.authorizer.isAllowed(req.principal!, 'Microsoft.KeyVault/vaults/read', v.id).catch(() => false))
          out.push(vaultShape(v));
      if (!req.principal)
        await authorizeRequest(req, port.authorizer, 'Microsoft.KeyVault/vaults/read', `/subscriptions/${sub}`);
      return armPage(req, out);
    });
    app.get<{ Params: { sub: string } }>('/subscriptions/:sub/providers/Microsoft.KeyVault/vaults', async (req) => {
      requireApiVersion(req, VAULT_API_VERSIONS);
      const sub = await port.subscription(req.params.sub);
      if (!req.principal)
        await authorizeRequest(req, port.authorizer, 'Microsoft.KeyVault/vaults/read', `/subscriptions/${sub}`);
      const out = [];
      for (const v of await vaults.store.list(sub))
        if (await port.authorizer.isAllowed(req.principal!, 'Microsoft.KeyVault/vaults/read', v.id).catch(() => false))
          out.push(vaultShape(v));
      return armPage(req, out);
    });
  };
}
