import { DockyardError, NULL_GUID, registryBaseUrl, type Principal } from '../shared/index.js';
import { accessCovers, type AccessEntry } from './token-service.js';
import { isAdminOf } from './admin-user.js';
import type { RequestContext, RegistryDeps } from './context.js';
import type { RegistryInfo } from './ports.js';

export interface Scope {
  type: 'repository' | 'registry';
  name: string;
  actions: string[];
}

/** `repository:<name>:<a,b>` / `registry:catalog:*` (names may contain ':' only as a port, never here). */
export function parseScopes(values: string[]): Scope[] {
  const out: Scope[] = [];
  for (const raw of values) {
    for (const s of raw.split(' ').filter(Boolean)) {
      const first = s.indexOf(':');
      const last = s.lastIndexOf(':');
      if (first <= 0 || last === first) throw new DockyardError('invalid_scope', `invalid scope '${s}'`);
      const type = s.slice(0, first);
      const name = s.slice(first + 1, last);
      const actions = s
        .slice(last + 1)
        .split(',')
        .filter(Boolean);
      if (type === 'repository' || type === 'artifact-repository') out.push({ type: 'repository', name, actions });
      else if (type === 'registry' && name === 'catalog') out.push({ type: 'registry', name, actions });
      else throw new DockyardError('invalid_scope', `invalid scope '${s}'`);
    }
  }
  return out;
}

const ALL_ACTIONS = ['pull', 'push', 'delete', 'metadata_read', 'metadata_write'];

/** The actions a principal gets for a scope: everything for its own admin user, else what the access port grants. */
export async function grantScope(
  deps: RegistryDeps,
  principal: Principal,
  registry: RegistryInfo,
  scope: Scope,
): Promise<AccessEntry | null> {
  const requested = scope.actions.includes('*') ? ['*'] : scope.actions;
  let granted: string[];
  if (isAdminOf(principal, registry)) granted = registry.adminUserEnabled ? requested : [];
  else if (principal.type === 'RegistryAdmin') granted = [];
  else if (principal.type === 'RegistryToken')
    granted = await deps.repoTokens.grantedActions(
      registry,
      principal,
      scope.type === 'registry' ? 'catalog' : scope.name,
      requested.flatMap((a) => (a === '*' ? ALL_ACTIONS : [a])),
    );
  else
    granted = await deps.access.grantedActions(
      principal,
      registry,
      scope.type === 'registry' ? 'catalog' : scope.name,
      scope.type === 'registry' ? ['*'] : requested.flatMap((a) => (a === '*' ? ALL_ACTIONS : [a])),
    );
  if (scope.type === 'repository' && requested.includes('*') && ALL_ACTIONS.every((a) => granted.includes(a)))
    granted = ['*'];
  if (granted.length === 0) return null;
  return { type: scope.type, name: scope.name, actions: granted };
}

/** Basic credentials: null-GUID + refresh token, the registry admin user, or whatever the app accepts. */
export async function authenticateBasicHeader(
  deps: RegistryDeps,
  registry: RegistryInfo,
  header: string,
): Promise<Principal | null> {
  let decoded: string;
  try {
    decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  } catch {
    return null;
  }
  const i = decoded.indexOf(':');
  if (i < 0) return null;
  const username = decoded.slice(0, i);
  const password = decoded.slice(i + 1);
  return authenticatePassword(deps, registry, username, password);
}

export async function authenticatePassword(
  deps: RegistryDeps,
  registry: RegistryInfo,
  username: string,
  password: string,
): Promise<Principal | null> {
  if (!password) return null;
  if (username === NULL_GUID) {
    const v = await deps.tokens.verify(password, registry.loginServer, 'refresh_token');
    return v && (await stillValid(deps, registry, v.principal)) ? v.principal : null;
  }
  const admin = await deps.admins.authenticate(registry, username, password);
  if (admin) return admin;
  const token = await deps.repoTokens.authenticate(registry, username, password);
  if (token) return token;
  return deps.access.authenticateBasic(registry, username, password);
}

/** A registry token must still exist and be enabled when a refresh or access token issued to it is used. */
export async function stillValid(deps: RegistryDeps, registry: RegistryInfo, principal: Principal): Promise<boolean> {
  return principal.type !== 'RegistryToken' || (await deps.repoTokens.active(registry, principal)) !== null;
}

const scopeText = (s: Scope): string => `${s.type}:${s.name}:${s.actions.join(',')}`;

/** The Bearer challenge; `also` adds scopes the request needs besides `scope` (the source of a cross-repo mount). */
export function challenge(registry: RegistryInfo, scope: Scope | null, error?: string, also: Scope[] = []): string {
  const parts = [
    `Bearer realm="${registryBaseUrl(registry.loginServer)}/oauth2/token"`,
    `service="${registry.loginServer}"`,
  ];
  const scopes = [...also, ...(scope ? [scope] : [])];
  if (scopes.length) parts.push(`scope="${scopes.map(scopeText).join(' ')}"`);
  if (error) parts.push(`error="${error}"`);
  return parts.join(',');
}

function unauthorized(registry: RegistryInfo, scope: Scope | null, error?: string, also: Scope[] = []): DockyardError {
  const detail = scope ? scope.actions.map((a) => ({ Type: scope.type, Name: scope.name, Action: a })) : null;
  return new DockyardError(
    'UNAUTHORIZED',
    'authentication required, visit https://aka.ms/acr/authorization for more information.',
    {
      detail,
      headers: {
        'www-authenticate': challenge(registry, scope, error, also),
        'docker-distribution-api-version': 'registry/2.0',
      },
    },
  );
}

/**
 * Authenticates the request (Bearer access token or Basic credentials) and checks that it covers `needed`
 * (every action listed). `needed = null` only requires a valid caller (`GET /v2/`).
 */
export async function authorize(ctx: RequestContext, needed: Scope | null, also: Scope[] = []): Promise<void> {
  const { deps, registry, req } = ctx;
  const h = req.headers.authorization;
  if (!ctx.principal) {
    if (h?.startsWith('Bearer ')) {
      // Hot path: a token verified before is answered from memory, without an async hop.
      const token = h.slice(7).trim();
      const v =
        deps.tokens.verifiedBefore(token, registry.loginServer, 'access_token') ??
        (await deps.tokens.verify(token, registry.loginServer, 'access_token'));
      if (!v || (v.principal.type === 'RegistryToken' && !(await stillValid(deps, registry, v.principal))))
        throw unauthorized(registry, needed, 'invalid_token', also);
      ctx.principal = v.principal;
      ctx.access = v.access;
    } else if (h?.startsWith('Basic ')) {
      const p = await authenticateBasicHeader(deps, registry, h);
      if (!p) throw unauthorized(registry, needed, undefined, also);
      ctx.principal = p;
      if (needed) {
        const e = await grantScope(deps, p, registry, needed);
        ctx.access = e ? [e] : [];
      }
    } else {
      throw unauthorized(registry, needed, undefined, also);
    }
    if (deps.access.checkNetwork && !ctx.network?.open) await checkNetwork(ctx);
  }
  if (!needed) return;
  const missing = needed.actions.filter(
    (a) =>
      !accessCovers(ctx.access, needed.type, needed.name, a) &&
      !(a === 'metadata_read' && accessCovers(ctx.access, needed.type, needed.name, 'pull')),
  );
  if (missing.length === 0) return;
  if (h?.startsWith('Basic '))
    throw new DockyardError('DENIED', 'requested access to the resource is denied', {
      detail: missing.map((a) => ({ Type: needed.type, Name: needed.name, Action: a })),
    });
  throw unauthorized(registry, needed, 'insufficient_scope');
}

/** True when the already-authenticated caller also holds `action` on another repository (cross-repo mount). */
export async function holds(ctx: RequestContext, repository: string, action: string): Promise<boolean> {
  if (accessCovers(ctx.access, 'repository', repository, action)) return true;
  if (ctx.principal && ctx.req.headers.authorization?.startsWith('Basic ')) {
    const e = await grantScope(ctx.deps, ctx.principal, ctx.registry, {
      type: 'repository',
      name: repository,
      actions: [action],
    });
    return Boolean(e && (e.actions.includes(action) || e.actions.includes('*')));
  }
  return false;
}

/** The firewall's 403 (ACR's body: `DENIED` + `client with IP '<ip>' is not allowed access...`). */
export class NetworkDeniedError extends DockyardError {
  constructor(
    ip: string,
    /** Why (logged by the network port; never sent to the client). */
    readonly reason: string,
  ) {
    super(
      'DENIED',
      `client with IP '${ip.replace(/^::ffff:/, '')}' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.`,
    );
  }
}

export function networkDenied(ip: string, reason: string): DockyardError {
  return new NetworkDeniedError(ip, reason);
}

/**
 * Network rules before authentication (docs/designs/network-rules.md). An address the rules admit is settled for the
 * whole request. A blocked address may continue only where a trusted service must get through to prove who it is:
 * requests carrying credentials (checked again once authenticated), the `/v2/` challenge and the token endpoints.
 * Everything else from a blocked address is DENIED at once.
 */
export async function gateNetwork(ctx: RequestContext, path: string): Promise<void> {
  const { deps, req } = ctx;
  const check = deps.access.checkNetwork;
  if (!check) return;
  const ip = deps.access.clientAddress
    ? deps.access.clientAddress(req.socket.remoteAddress, req.headers)
    : (req.socket.remoteAddress ?? '');
  const r = await check(ctx.registry, ip, null);
  ctx.network = { ip, open: r.allowed, reason: r.reason };
  if (r.allowed || req.headers.authorization) return;
  if (path === '/v2/' || path === '/v2' || path.startsWith('/oauth2/')) return;
  throw networkDenied(ip, r.reason);
}

/** Network rules once the caller is authenticated: a blocked address passes only as a trusted service. */
export async function checkNetwork(ctx: {
  deps: RegistryDeps;
  registry: RegistryInfo;
  req: RequestContext['req'];
  principal: Principal | null;
  network?: RequestContext['network'];
}): Promise<void> {
  const check = ctx.deps.access.checkNetwork;
  if (!check || ctx.network?.open) return;
  const ip =
    ctx.network?.ip ??
    ctx.deps.access.clientAddress?.(ctx.req.socket.remoteAddress, ctx.req.headers) ??
    ctx.req.socket.remoteAddress ??
    '';
  const r = await check(ctx.registry, ip, ctx.principal);
  if (ctx.network) Object.assign(ctx.network, { open: r.allowed, reason: r.reason });
  if (!r.allowed) throw networkDenied(ip, r.reason);
}

/**
 * What a blocked client sees when a request fails: always the firewall's DENIED (it learns nothing about tokens or
 * content), except the anonymous `/v2/` challenge that tells a trusted service where to log in.
 */
export function blockedError(ctx: RequestContext | undefined, err: DockyardError): DockyardError {
  const n = ctx?.network;
  if (!n || n.open) return err;
  if (err instanceof NetworkDeniedError) return err;
  const path = (ctx.req.url ?? '/').split('?')[0];
  if ((path === '/v2/' || path === '/v2') && !ctx.req.headers.authorization) return err;
  return networkDenied(n.ip, n.reason);
}
