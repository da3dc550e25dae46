import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './errors.js';
import type { Connection } from './connection.js';
import type { Profile } from './credentials.js';

/** The local administrator's well-known object id (its client id for the token endpoint). */
export const LOCAL_ADMIN_CLIENT_ID = '00000000-0000-0000-0000-00000000ad01';
export const MANAGEMENT_RESOURCE = 'https://management.azure.com/';

export interface TokenResult {
  accessToken: string;
  expiresOn: number;
}

async function postForm(url: string, form: Record<string, string>): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
  } catch (err) {
    throw new CliError('CliConnection', `Could not reach ${new URL(url).origin}: ${(err as Error).message}`);
  }
  const j = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok)
    throw new CliError(
      String(j.error ?? `Http${res.status}`),
      String(j.error_description ?? 'The token request failed.'),
    );
  return j;
}

/** Client-credentials flow against the tenant's v2 token endpoint. */
export async function clientCredentialsToken(
  endpoint: string,
  tenant: string,
  clientId: string,
  secret: string,
  resource = MANAGEMENT_RESOURCE,
): Promise<TokenResult> {
  const j = await postForm(`${endpoint}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`, {
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
    scope: `${resource.replace(/\/+$/, '')}/.default`,
  });
  return {
    accessToken: String(j.access_token),
    expiresOn: Math.floor(Date.now() / 1000) + Number(j.expires_in ?? 3599),
  };
}

/** The admin key of a server on this machine (its data dir), or DOCKYARD_ADMIN_KEY. */
export function localAdminKey(conn: Connection, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DOCKYARD_ADMIN_KEY) return env.DOCKYARD_ADMIN_KEY;
  const f = conn.dataDir ? join(conn.dataDir, 'admin.key') : undefined;
  return f && existsSync(f) ? readFileSync(f, 'utf8').trim() : undefined;
}

/** Managed-identity token from the workload endpoint (IDENTITY_ENDPOINT + IDENTITY_HEADER, or MSI_ENDPOINT + MSI_SECRET). */
export async function managedIdentityToken(
  username: string | undefined,
  resource = MANAGEMENT_RESOURCE,
  env: NodeJS.ProcessEnv = process.env,
): Promise<TokenResult & { clientId: string }> {
  const endpoint = env.IDENTITY_ENDPOINT ?? env.MSI_ENDPOINT;
  const secret = env.IDENTITY_HEADER ?? env.MSI_SECRET;
  if (!endpoint)
    throw new CliError(
      'CliNotLoggedIn',
      'No managed identity endpoint found: IDENTITY_ENDPOINT (and IDENTITY_HEADER) are not set in this environment.',
    );
  const url = new URL(endpoint);
  url.searchParams.set('api-version', '2019-08-01');
  url.searchParams.set('resource', resource);
  if (username) {
    if (username.startsWith('/')) url.searchParams.set('mi_res_id', username);
    else url.searchParams.set('client_id', username);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { ...(secret ? { 'X-IDENTITY-HEADER': secret } : {}), Metadata: 'true', accept: 'application/json' },
    });
  } catch (err) {
    throw new CliError(
      'CliConnection',
      `Could not reach the managed identity endpoint ${url.origin}: ${(err as Error).message}`,
    );
  }
  const j = (await res.json().catch(() => ({}))) as Record<string, string>;
  if (!res.ok)
    throw new CliError(
      j.error ?? `Http${res.status}`,
      `Failed to get a managed identity token: ${j.error_description ?? res.statusText}`,
    );
  return { accessToken: j.access_token, expiresOn: Number(j.expires_on), clientId: j.client_id };
}

/** Reads (without verifying) a JWT's claims: the CLI only displays them. */
export function tokenClaims(token: string): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** az's `user` block for a managed identity login (`MSI`, `MSIClient-<id>`, `MSIResource-<id>`). */
export function identityUser(token: string, username?: string): Profile['user'] {
  const c = tokenClaims(token);
  const system = c.xms_mi_kind === 'SystemAssigned';
  let info: string;
  if (username?.startsWith('/')) info = `MSIResource-${username}`;
  else if (username) info = `MSIClient-${username}`;
  else if (!system && typeof c.xms_mirid === 'string') info = `MSIResource-${c.xms_mirid}`;
  else info = 'MSI';
  return {
    name: system && !username ? 'systemAssignedIdentity' : 'userAssignedIdentity',
    type: 'servicePrincipal',
    assignedIdentityInfo: info,
  };
}
