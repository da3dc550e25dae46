import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { newSecret, secretsEqual, type Principal } from '../shared/index.js';
import type { Directory } from './directory.js';

/** The well-known object id of the installation's local administrator. */
export const LOCAL_ADMIN_OBJECT_ID = '00000000-0000-0000-0000-00000000ad01';

/** Where the admin key is shared between API nodes (SharedKeys: the database, sealed with the master key). */
export interface AdminKeyStore {
  ensure(name: string, make: () => string, legacy?: () => string | undefined): Promise<string>;
}

/**
 * The local administrator authenticates with one installation-wide key: kept in the shared database (sealed), so every
 * API node accepts it, and written to `<dataDir>/admin.key` (mode 0600) for the CLI and dashboard sign-in on this
 * machine. An install from before imports its data-dir key once; a node whose file differs gets the shared key written
 * over it. The key is compared in constant time and never logged.
 */
export async function ensureLocalAdmin(
  directory: Directory,
  dataDir: string,
  keys: AdminKeyStore,
): Promise<{ principal: Principal; key: string }> {
  mkdirSync(dataDir, { recursive: true });
  const keyFile = join(dataDir, 'admin.key');
  const onDisk = existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
  const key = await keys.ensure('identity.admin-key', newSecret, () => onDisk || undefined);
  if (onDisk !== key) writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  let principal = await directory.getByObjectId(LOCAL_ADMIN_OBJECT_ID);
  if (!principal)
    principal = await directory.createPrincipal({
      type: 'User',
      displayName: 'admin@dockyard.local',
      objectId: LOCAL_ADMIN_OBJECT_ID,
    });
  return { principal, key };
}

/** Authenticator for `Authorization: DockyardKey <key>`. */
export function localAdminAuthenticator(principal: Principal, key: string) {
  return async (request: FastifyRequest): Promise<Principal | null> => {
    const h = request.headers.authorization;
    if (!h || !h.startsWith('DockyardKey ')) return null;
    return secretsEqual(h.slice('DockyardKey '.length).trim(), key) ? principal : null;
  };
}
