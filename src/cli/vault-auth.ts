import { refreshProfileIfNeeded, storedLogin } from './credentials.js';
import type { Connection } from './connection.js';
import { CliError } from './errors.js';
import { clientCredentialsToken, localAdminKey, managedIdentityToken } from './identity-login.js';

export const VAULT_RESOURCE = 'https://vault.azure.net';
const cache = new Map<string, string>();

/**
 * The Authorization header for Key Vault's data plane: a token of audience https://vault.azure.net obtained the way
 * the current login was (service principal, managed identity), or the local admin key on the server's machine.
 */
export async function vaultAuthorization(conn: Connection): Promise<string> {
  const hit = cache.get(conn.endpoint);
  if (hit) return hit;
  await refreshProfileIfNeeded(conn);
  const profile = storedLogin(conn);
  let header: string | undefined;
  if (profile?.refresh?.kind === 'servicePrincipal') {
    header = `Bearer ${(await clientCredentialsToken(conn.endpoint, profile.tenantId, profile.refresh.clientId, profile.refresh.secret, VAULT_RESOURCE)).accessToken}`;
  } else if (profile?.refresh?.kind === 'identity') {
    header = `Bearer ${(await managedIdentityToken(profile.refresh.username, VAULT_RESOURCE)).accessToken}`;
  } else {
    const key = localAdminKey(conn);
    if (key) header = `DockyardKey ${key}`;
  }
  if (!header) throw new CliError('CliNotLoggedIn', 'Please run "dockyard login" to setup account.');
  cache.set(conn.endpoint, header);
  return header;
}
