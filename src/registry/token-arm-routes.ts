import type { FastifyInstance, FastifyRequest } from 'fastify';
import { armPage, authorizeRequest, type Authorizer } from '../http/index.js';
import { DockyardError } from '../shared/index.js';
import { normalizeActions, type ScopeMap, type ScopeMaps } from './scope-maps.js';
import {
  TOKEN_PASSWORD_NAMES,
  tokenResourceId,
  type RegistryToken,
  type RegistryTokens,
  type TokenPasswordName,
} from './repo-tokens.js';
import type { RegistryDirectory, RegistryInfo } from './ports.js';

const BASE = '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.ContainerRegistry/registries/:name';
const ACR = 'Microsoft.ContainerRegistry/registries';
type P = { sub: string; rg: string; name: string };
type PN = P & { item: string };

export interface TokenArmDeps {
  directory: RegistryDirectory;
  authorizer: Authorizer;
  scopeMaps: ScopeMaps;
  repoTokens: RegistryTokens;
}

export function scopeMapShape(registry: RegistryInfo, m: ScopeMap) {
  return {
    id: `${registry.id}/scopeMaps/${m.name}`,
    name: m.name,
    type: `${ACR}/scopeMaps`,
    properties: {
      description: m.description,
      type: m.type,
      creationDate: m.createdAt,
      provisioningState: 'Succeeded',
      actions: m.actions,
    },
  };
}

export function tokenShape(registry: RegistryInfo, t: RegistryToken, values?: Map<string, string>) {
  return {
    id: tokenResourceId(registry, t.name),
    name: t.name,
    type: `${ACR}/tokens`,
    properties: {
      creationDate: t.createdAt,
      provisioningState: 'Succeeded',
      scopeMapId: `${registry.id}/scopeMaps/${t.scopeMap}`,
      status: t.status,
      credentials: {
        certificates: [],
        passwords: t.passwords.map((p) => ({
          name: p.name,
          creationTime: p.creationTime,
          expiry: p.expiry,
          ...(values?.has(p.name) ? { value: values.get(p.name) } : {}),
        })),
      },
    },
  };
}

/** Any dated api-version (az 2.45 sends 2020-11-01-preview for tokens; later versions too). */
function apiVersion(req: FastifyRequest): void {
  const v = (req.query as Record<string, string | undefined>)['api-version'];
  if (!v) throw new DockyardError('MissingApiVersionParameter');
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(v))
    throw new DockyardError('InvalidApiVersionParameter', `The api-version '${v}' is invalid.`);
}

function props(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b))
    throw new DockyardError(
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized: expected a JSON object.',
    );
  const p = (b as Record<string, unknown>).properties;
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p))
    throw new DockyardError(
      'InvalidRequestContent',
      "The request content was invalid: 'properties' must be an object.",
    );
  return p as Record<string, unknown>;
}

/** The scope map name of a `scopeMapId` (full ARM id of a map in the same registry, or a bare name). */
function scopeMapName(registry: RegistryInfo, v: unknown): string {
  if (typeof v !== 'string' || !v)
    throw new DockyardError(
      'InvalidRequestContent',
      "The request content was invalid: 'properties.scopeMapId' must be a string.",
    );
  const i = v.toLowerCase().lastIndexOf('/scopemaps/');
  if (i < 0) return v;
  if (v.slice(0, i).toLowerCase() !== registry.id.toLowerCase())
    throw new DockyardError('InvalidParameter', `The scope map '${v}' does not belong to registry '${registry.name}'.`);
  return v.slice(i + '/scopemaps/'.length);
}

function expiryOf(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  const t = Date.parse(String(v));
  if (Number.isNaN(t))
    throw new DockyardError('InvalidParameter', `The expiry '${String(v)}' is not a valid date-time.`);
  return new Date(t).toISOString();
}

/** ARM `scopeMaps`, `tokens` and `generateCredentials` of a registry (acr-reference-2.md §1). */
export function registerTokenArmRoutes(app: FastifyInstance, deps: TokenArmDeps): void {
  const registryOf = async (req: FastifyRequest<{ Params: P }>, action: string, sub?: string) => {
    apiVersion(req);
    const reg = await deps.directory.byArmPath(req.params.sub, req.params.rg, req.params.name);
    await authorizeRequest(req, deps.authorizer, `${ACR}/${action}`, sub ? `${reg.id}/${sub}` : reg.id);
    return reg;
  };

  app.get<{ Params: P }>(`${BASE}/scopeMaps`, async (req) => {
    const reg = await registryOf(req, 'scopeMaps/read');
    return armPage(
      req,
      (await deps.scopeMaps.list(reg)).map((m) => scopeMapShape(reg, m)),
    );
  });
  app.get<{ Params: PN }>(`${BASE}/scopeMaps/:item`, async (req) => {
    const reg = await registryOf(req, 'scopeMaps/read', `scopeMaps/${req.params.item}`);
    return scopeMapShape(reg, await deps.scopeMaps.get(reg, req.params.item));
  });
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route<{ Params: PN }>({
      method,
      url: `${BASE}/scopeMaps/:item`,
      handler: async (req, reply) => {
        const reg = await registryOf(req, 'scopeMaps/write', `scopeMaps/${req.params.item}`);
        const p = props(req);
        const input: { actions?: string[]; description?: string } = {};
        if (p.actions !== undefined || method === 'PUT') input.actions = normalizeActions(p.actions);
        if (p.description !== undefined && p.description !== null) input.description = String(p.description);
        const { map, created } = await deps.scopeMaps.upsert(reg, req.params.item, input, method === 'PATCH');
        return reply.status(created ? 201 : 200).send(scopeMapShape(reg, map));
      },
    });
  }
  app.delete<{ Params: PN }>(`${BASE}/scopeMaps/:item`, async (req, reply) => {
    const reg = await registryOf(req, 'scopeMaps/delete', `scopeMaps/${req.params.item}`);
    const users = await deps.repoTokens.usingScopeMap(reg, req.params.item);
    if (users.length)
      throw new DockyardError(
        'Conflict',
        `The scope map '${req.params.item}' is in use by token(s) ${users.map((u) => `'${u}'`).join(', ')}; delete the tokens or assign them another scope map first.`,
      );
    return reply.status((await deps.scopeMaps.delete(reg, req.params.item)) ? 200 : 204).send();
  });

  app.get<{ Params: P }>(`${BASE}/tokens`, async (req) => {
    const reg = await registryOf(req, 'tokens/read');
    return armPage(
      req,
      (await deps.repoTokens.list(reg)).map((t) => tokenShape(reg, t)),
    );
  });
  app.get<{ Params: PN }>(`${BASE}/tokens/:item`, async (req) => {
    const reg = await registryOf(req, 'tokens/read', `tokens/${req.params.item}`);
    return tokenShape(reg, await deps.repoTokens.get(reg, req.params.item));
  });
  for (const method of ['PUT', 'PATCH'] as const) {
    app.route<{ Params: PN }>({
      method,
      url: `${BASE}/tokens/:item`,
      handler: async (req, reply) => {
        const reg = await registryOf(req, 'tokens/write', `tokens/${req.params.item}`);
        const p = props(req);
        const input: { scopeMap?: string; status?: string; keepPasswords?: string[] } = {};
        if (p.scopeMapId !== undefined && p.scopeMapId !== null) input.scopeMap = scopeMapName(reg, p.scopeMapId);
        if (p.status !== undefined && p.status !== null) input.status = String(p.status).toLowerCase();
        const creds = p.credentials as { passwords?: Array<{ name?: unknown }> } | undefined | null;
        if (creds && Array.isArray(creds.passwords))
          input.keepPasswords = creds.passwords.map((x) => String(x?.name ?? ''));
        const { token, created } = await deps.repoTokens.upsert(reg, req.params.item, input, method === 'PATCH');
        return reply.status(created ? 201 : 200).send(tokenShape(reg, token));
      },
    });
  }
  app.delete<{ Params: PN }>(`${BASE}/tokens/:item`, async (req, reply) => {
    const reg = await registryOf(req, 'tokens/delete', `tokens/${req.params.item}`);
    return reply.status((await deps.repoTokens.delete(reg, req.params.item)) ? 200 : 204).send();
  });

  app.post<{ Params: P }>(`${BASE}/generateCredentials`, async (req) => {
    const reg = await registryOf(req, 'generateCredentials/action');
    const b = (req.body ?? {}) as { tokenId?: unknown; name?: unknown; expiry?: unknown };
    if (typeof b.tokenId !== 'string' || !b.tokenId)
      throw new DockyardError('InvalidRequestContent', "The request content was invalid: 'tokenId' is required.");
    const i = b.tokenId.toLowerCase().lastIndexOf('/tokens/');
    if (i < 0 || b.tokenId.slice(0, i).toLowerCase() !== reg.id.toLowerCase())
      throw new DockyardError(
        'InvalidParameter',
        `The token '${b.tokenId}' does not belong to registry '${reg.name}'.`,
      );
    const tokenName = b.tokenId.slice(i + '/tokens/'.length);
    await authorizeRequest(req, deps.authorizer, `${ACR}/tokens/write`, tokenResourceId(reg, tokenName));
    let which: TokenPasswordName | undefined;
    if (b.name !== undefined && b.name !== null) {
      if (!TOKEN_PASSWORD_NAMES.includes(b.name as TokenPasswordName))
        throw new DockyardError(
          'InvalidParameter',
          `The password name '${String(b.name)}' is invalid. Allowed values: password1, password2.`,
        );
      which = b.name as TokenPasswordName;
    }
    return deps.repoTokens.generate(reg, tokenName, which, expiryOf(b.expiry));
  });
}
