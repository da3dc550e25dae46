import type { IncomingMessage } from 'node:http';
import { DockyardError, type Principal } from '../shared/index.js';
import {
  authenticateBasicHeader,
  authenticatePassword,
  checkNetwork,
  grantScope,
  parseScopes,
  stillValid,
} from './access-control.js';
import { readBody, sendJson } from './http-util.js';
import { ACCESS_TOKEN_SECONDS, REFRESH_TOKEN_SECONDS, type AccessEntry } from './token-service.js';
import type { RequestContext } from './context.js';
import type { RegistryInfo } from './ports.js';

const FORM_LIMIT = 64 * 1024;

function tokenUnauthorized(
  message = 'authentication required, visit https://aka.ms/acr/authorization for more information.',
): DockyardError {
  return new DockyardError('UNAUTHORIZED', message);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const ct = String(req.headers['content-type'] ?? '');
  if (!ct.startsWith('application/x-www-form-urlencoded'))
    throw new DockyardError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
  return new URLSearchParams((await readBody(req, FORM_LIMIT)).toString('utf8'));
}

function checkService(registry: RegistryInfo, service: string | null): void {
  if (service && service.toLowerCase() !== registry.loginServer.toLowerCase()) {
    throw new DockyardError(
      'invalid_request',
      `service '${service}' does not match this registry's login server '${registry.loginServer}'`,
    );
  }
}

async function accessFor(ctx: RequestContext, principal: Principal, scopes: string[]): Promise<AccessEntry[]> {
  const out: AccessEntry[] = [];
  for (const s of parseScopes(scopes)) {
    const e = await grantScope(ctx.deps, principal, ctx.registry, s);
    if (e) out.push(e);
  }
  return out;
}

async function issue(ctx: RequestContext, principal: Principal, scopes: string[], offline: boolean): Promise<void> {
  ctx.principal = principal;
  await checkNetwork(ctx);
  const access = await accessFor(ctx, principal, scopes);
  const accessToken = await ctx.deps.tokens.issueAccessToken(principal, ctx.registry.loginServer, access);
  const body: Record<string, unknown> = { access_token: accessToken, expires_in: ACCESS_TOKEN_SECONDS };
  if (offline) {
    body.refresh_token = await ctx.deps.tokens.issueRefreshToken(principal, ctx.registry.loginServer);
    body.refresh_token_expires_in = REFRESH_TOKEN_SECONDS;
  }
  sendJson(ctx.res, 200, body, { 'cache-control': 'no-store' });
}

/**
 * `GET /oauth2/token?service=&scope=` with Basic credentials → `{access_token}`. With `offline_token=true` (the
 * Docker token spec's parameter) the answer also carries a `refresh_token`: the CLI uses this with the local admin
 * key to obtain a refresh token for `dockyard acr login`.
 */
export async function getToken(ctx: RequestContext): Promise<void> {
  const q = ctx.url.searchParams;
  checkService(ctx.registry, q.get('service'));
  const h = ctx.req.headers.authorization;
  if (!h?.startsWith('Basic ')) throw tokenUnauthorized();
  const principal = await authenticateBasicHeader(ctx.deps, ctx.registry, h);
  if (!principal) throw tokenUnauthorized();
  await issue(ctx, principal, q.getAll('scope'), q.get('offline_token') === 'true');
}

/** `POST /oauth2/token`: grant_type=refresh_token (or password) → `{access_token}`. */
export async function postToken(ctx: RequestContext): Promise<void> {
  const form = await readForm(ctx.req);
  checkService(ctx.registry, form.get('service'));
  const grant = form.get('grant_type');
  let principal: Principal | null;
  if (grant === 'refresh_token') {
    const rt = form.get('refresh_token');
    if (!rt) throw new DockyardError('invalid_request', 'refresh_token is required');
    principal = (await ctx.deps.tokens.verify(rt, ctx.registry.loginServer, 'refresh_token'))?.principal ?? null;
    if (principal && !(await stillValid(ctx.deps, ctx.registry, principal))) principal = null;
  } else if (grant === 'password') {
    principal = await authenticatePassword(
      ctx.deps,
      ctx.registry,
      form.get('username') ?? '',
      form.get('password') ?? '',
    );
  } else {
    throw new DockyardError('unsupported_grant_type', `grant_type '${grant ?? ''}' is not supported`);
  }
  if (!principal) throw tokenUnauthorized();
  await issue(ctx, principal, form.getAll('scope'), form.get('access_type') === 'offline');
}

/** `POST /oauth2/exchange`: grant_type=access_token&access_token=<AAD token> → `{refresh_token}`. */
export async function exchange(ctx: RequestContext): Promise<void> {
  const form = await readForm(ctx.req);
  checkService(ctx.registry, form.get('service'));
  const grant = form.get('grant_type');
  if (grant !== 'access_token')
    throw new DockyardError('unsupported_grant_type', `grant_type '${grant ?? ''}' is not supported; use access_token`);
  const aad = form.get('access_token');
  if (!aad) throw new DockyardError('invalid_request', 'access_token is required');
  let principal: Principal;
  try {
    principal = await ctx.deps.access.verifyAadToken(aad, ctx.registry);
  } catch {
    throw tokenUnauthorized('the access token is invalid or expired');
  }
  const tenant = form.get('tenant');
  if (tenant && tenant !== principal.tenantId) throw tokenUnauthorized('the tenant does not match the access token');
  ctx.principal = principal;
  await checkNetwork(ctx);
  sendJson(
    ctx.res,
    200,
    { refresh_token: await ctx.deps.tokens.issueRefreshToken(principal, ctx.registry.loginServer) },
    { 'cache-control': 'no-store' },
  );
}
