import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliHome, type Connection } from './connection.js';
import { CliError } from './errors.js';

/** A stored login: a bearer token obtained by `dockyard login`, for one endpoint. */
export interface Profile {
  endpoint: string;
  accessToken: string;
  expiresOn: number;
  user: { name: string; type: 'user' | 'servicePrincipal'; assignedIdentityInfo?: string };
  tenantId: string;
  subscriptionId?: string;
  subscriptionName?: string;
  /** What to do when the token expires (re-run the same login). */
  refresh?:
    | { kind: 'identity'; username?: string }
    | { kind: 'servicePrincipal'; clientId: string; secret: string }
    | { kind: 'admin' };
}

const profileFile = () => join(cliHome(), 'profile.json');

export function loadProfile(endpoint: string): Profile | null {
  const f = profileFile();
  if (!existsSync(f)) return null;
  try {
    const p = JSON.parse(readFileSync(f, 'utf8')) as Profile;
    return p.endpoint === endpoint ? p : null;
  } catch {
    return null;
  }
}

export function saveProfile(p: Profile): void {
  mkdirSync(cliHome(), { recursive: true, mode: 0o700 });
  writeFileSync(profileFile(), JSON.stringify(p, null, 2), { mode: 0o600 });
}

export function clearProfile(): void {
  rmSync(profileFile(), { force: true });
}

/**
 * The stored login to use with `conn`, or null when none is stored at all. A login that is stored but unusable
 * (expired and not renewed, unreadable, or made against another server) is an error, never a silent switch to the
 * local admin key: whoever logged in as a service principal must not end up acting as admin without knowing.
 */
export function storedLogin(conn: Connection): Profile | null {
  const f = profileFile();
  if (!existsSync(f)) return null;
  const again = 'run "dockyard login" again, or "dockyard logout" to use the local admin key';
  let p: Profile;
  try {
    p = JSON.parse(readFileSync(f, 'utf8')) as Profile;
  } catch {
    throw new CliError('CliLoginExpired', `The stored login (${f}) cannot be read: ${again}.`);
  }
  if (p.endpoint !== conn.endpoint)
    throw new CliError('CliNotLoggedIn', `The stored login is for ${p.endpoint}, not ${conn.endpoint}: ${again}.`);
  if (!(p.expiresOn * 1000 > Date.now() + 30_000)) {
    const who = `${p.user?.name ?? 'unknown'}${p.user?.type === 'servicePrincipal' ? ' (service principal)' : ''}`;
    throw new CliError(
      'CliLoginExpired',
      `The stored login of ${who} expired at ${new Date(p.expiresOn * 1000).toISOString()} and could not be renewed: ${again}.`,
    );
  }
  return p;
}

/** The Authorization header: the stored login's token; only when no login is stored, the local admin key of a server on this machine. */
export function authorizationHeader(conn: Connection, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const profile = storedLogin(conn);
  if (profile) return `Bearer ${profile.accessToken}`;
  if (env.DOCKYARD_ADMIN_KEY) return `DockyardKey ${env.DOCKYARD_ADMIN_KEY}`;
  if (conn.dataDir && existsSync(join(conn.dataDir, 'admin.key'))) {
    try {
      return `DockyardKey ${readFileSync(join(conn.dataDir, 'admin.key'), 'utf8').trim()}`;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Renews a stored login that is about to expire by repeating how it was obtained (managed identity, service
 * principal, local admin key). Failures leave the profile as it is; `storedLogin` then reports it as expired.
 */
export async function refreshProfileIfNeeded(conn: Connection): Promise<void> {
  const p = loadProfile(conn.endpoint);
  if (!p || !p.refresh || p.expiresOn * 1000 > Date.now() + 120_000) return;
  const { clientCredentialsToken, managedIdentityToken, localAdminKey, LOCAL_ADMIN_CLIENT_ID } = await import(
    './identity-login.js'
  );
  try {
    let t: { accessToken: string; expiresOn: number } | undefined;
    if (p.refresh.kind === 'identity') t = await managedIdentityToken(p.refresh.username);
    else if (p.refresh.kind === 'servicePrincipal')
      t = await clientCredentialsToken(conn.endpoint, p.tenantId, p.refresh.clientId, p.refresh.secret);
    else {
      const key = localAdminKey(conn);
      if (key) t = await clientCredentialsToken(conn.endpoint, p.tenantId, LOCAL_ADMIN_CLIENT_ID, key);
    }
    if (t) saveProfile({ ...p, accessToken: t.accessToken, expiresOn: t.expiresOn });
  } catch {
    /* keep the old profile */
  }
}
