import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenService } from './token-service.js';

/** Where installation-wide keys live (cluster SharedKeys: the database, sealed with the master key). */
export interface RegistryKeyStore {
  ensure(name: string, make: () => string | Promise<string>, legacy?: () => string | undefined): Promise<string>;
}

const legacyFile = (file: string) => () => (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);

/**
 * The registry's keys, the same on every API node: the token signing key (a refresh/access token issued by one node
 * verifies on another) and the admin-password key. Installs from before import `<dataDir>/keys/*` once.
 */
export async function registryKeys(
  store: RegistryKeyStore,
  dataDir: string,
): Promise<{ tokenJwk: string; adminPasswordKey: Buffer }> {
  const tokenJwk = await store.ensure(
    'registry.token-key',
    () => TokenService.newKey(),
    legacyFile(join(dataDir, 'keys', 'registry-token.jwk.json')),
  );
  const admin = await store.ensure(
    'registry.admin-password-key',
    () => randomBytes(32).toString('base64'),
    legacyFile(join(dataDir, 'keys', 'registry-secrets.key')),
  );
  return { tokenJwk, adminPasswordKey: Buffer.from(admin, 'base64') };
}

/** A process-local store (unit tests that build one registry module on their own). */
export function memoryKeyStore(): RegistryKeyStore {
  const values = new Map<string, string>();
  return {
    async ensure(name, make) {
      if (!values.has(name)) values.set(name, await make());
      return values.get(name)!;
    },
  };
}
