import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { newSecret, secretsEqual, type Principal } from '../shared/index.js';
import type { Directory } from './directory.js';

/** The well-known object id of the installation's local administrator. */
export const LOCAL_ADMIN_OBJECT_ID = '00000000-0000-0000-0000-00000000ad01';

/**
 * The local administrator authenticates with a key kept in the data dir (mode 0600), which `serve` also writes into
 * the CLI's connection file. The key is compared in constant time and never logged.
 */
export async function ensureLocalAdmin(
  directory: Directory,
  dataDir: string,
): Promise<{ principal: Principal; key: string }> {
  mkdirSync(dataDir, { recursive: true });
  const keyFile = join(dataDir, 'admin.key');
  let key: string;
  if (existsSync(keyFile)) key = readFileSync(keyFile, 'utf8').trim();
  else {
    key = newSecret();
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  }
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
