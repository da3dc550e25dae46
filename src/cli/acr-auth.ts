import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient } from './client.js';
import { errorFromBody } from './client.js';
import { refreshProfileIfNeeded, storedLogin } from './credentials.js';
import { CliError } from './errors.js';
import { resolveConnection } from './connection.js';

// shared/ (crypto, tls, dns, tar, pino…) loads only when a command talks to a registry's data plane: every acr
// command's module imports this file, and most never call it.
const shared = () => import('../shared/index.js');
const registryBaseUrl = async (loginServer: string) => (await shared()).registryBaseUrl(loginServer);

export const NULL_GUID = '00000000-0000-0000-0000-000000000000';
/** The local administrator's object id (the server's identity module defines the same constant). */
export const LOCAL_ADMIN_OBJECT_ID = '00000000-0000-0000-0000-00000000ad01';

function adminKey(client: ApiClient): string | undefined {
  if (process.env.DOCKYARD_ADMIN_KEY) return process.env.DOCKYARD_ADMIN_KEY;
  const dir = client.conn.dataDir;
  if (dir && existsSync(join(dir, 'admin.key'))) return readFileSync(join(dir, 'admin.key'), 'utf8').trim();
  return undefined;
}

let trustChecked = false;

/**
 * On the server's machine, login servers by name (`https://<name>.<suffix>`) are served with the local CA's
 * certificate: trust it (and resolve the suffix to the server) for this process, as the server does for itself.
 */
export async function trustLocalServer(url: string): Promise<void> {
  if (trustChecked || !url.startsWith('https:')) return;
  trustChecked = true;
  let dir: string | undefined;
  try {
    dir = resolveConnection().dataDir;
  } catch {
    return;
  }
  const ca = dir ? join(dir, 'tls', 'ca.crt') : '';
  if (!dir || !existsSync(ca)) return;
  let suffix: string | undefined;
  try {
    suffix = (JSON.parse(readFileSync(join(dir, 'endpoint.json'), 'utf8')) as { loginServerSuffix?: string })
      .loginServerSuffix;
  } catch {
    /* no suffix: trust only */
  }
  await (await shared()).trustLocalCa(readFileSync(ca, 'utf8'), suffix);
}

async function call(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  let res: Response;
  await trustLocalServer(url);
  try {
    res = await fetch(url, init);
  } catch (err) {
    throw new CliError(
      'CliConnection',
      `Could not reach the registry at ${new URL(url).host}: ${(err as Error).message}`,
    );
  }
  const text = await res.text();
  if (!res.ok) throw errorFromBody(res.status, text);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/**
 * An ACR refresh token for a registry, the way `az acr login` gets one: with a login profile's AAD token through
 * `POST /oauth2/exchange`; else, on the server's machine, with the local admin key through
 * `GET /oauth2/token?offline_token=true` (Basic `<localAdminObjectId>:<key>`).
 */
export async function registryRefreshToken(client: ApiClient, loginServer: string): Promise<string> {
  await refreshProfileIfNeeded(client.conn);
  const profile = storedLogin(client.conn);
  if (profile) {
    const body = new URLSearchParams({
      grant_type: 'access_token',
      service: loginServer,
      access_token: profile.accessToken,
      tenant: profile.tenantId,
    });
    const r = await call(`${await registryBaseUrl(loginServer)}/oauth2/exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    return String(r.refresh_token);
  }
  const key = adminKey(client);
  if (!key) throw new CliError('CliNotLoggedIn', 'Please run "dockyard login" to set up an account.');
  const q = new URLSearchParams({ service: loginServer, offline_token: 'true' });
  const basic = Buffer.from(`${LOCAL_ADMIN_OBJECT_ID}:${key}`).toString('base64');
  const r = await call(`${await registryBaseUrl(loginServer)}/oauth2/token?${q}`, {
    headers: { authorization: `Basic ${basic}` },
  });
  return String(r.refresh_token);
}

/** An access token for the given scopes (e.g. `repository:app:pull`), from a refresh token. */
export async function registryAccessToken(
  loginServer: string,
  refreshToken: string,
  scopes: string[],
): Promise<string> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', service: loginServer, refresh_token: refreshToken });
  for (const s of scopes) body.append('scope', s);
  const r = await call(`${await registryBaseUrl(loginServer)}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return String(r.access_token);
}

/** A data-plane session on one registry: obtains tokens as needed and calls `/v2/...` or `/acr/v1/...`. */
export class RegistrySession {
  private refresh?: string;
  constructor(
    private readonly client: ApiClient,
    readonly loginServer: string,
  ) {}

  async refreshToken(): Promise<string> {
    return (this.refresh ??= await registryRefreshToken(this.client, this.loginServer));
  }

  async request<T = Record<string, unknown>>(
    path: string,
    scopes: string[],
    init: { method?: string; allow404?: boolean; body?: unknown } = {},
  ): Promise<T> {
    return (await this.requestWithLink<T>(path, scopes, init)).body;
  }

  /** Like `request`, plus the path of the next page from a `Link: <...>; rel="next"` header (tags, manifests). */
  async requestWithLink<T = Record<string, unknown>>(
    path: string,
    scopes: string[],
    init: { method?: string; allow404?: boolean; body?: unknown } = {},
  ): Promise<{ body: T; next?: string }> {
    const token = await registryAccessToken(this.loginServer, await this.refreshToken(), scopes);
    let res: Response;
    try {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      };
      res = await fetch(`${await registryBaseUrl(this.loginServer)}${path}`, {
        method: init.method ?? 'GET',
        headers,
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
      });
    } catch (err) {
      throw new CliError(
        'CliConnection',
        `Could not reach the registry at ${this.loginServer}: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    if (init.allow404 && res.status === 404) return { body: null as T };
    if (!res.ok) throw errorFromBody(res.status, text);
    const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1];
    return {
      body: (text ? JSON.parse(text) : {}) as T,
      next: next
        ? new URL(next, `http://${this.loginServer}`).pathname + new URL(next, `http://${this.loginServer}`).search
        : undefined,
    };
  }
}
