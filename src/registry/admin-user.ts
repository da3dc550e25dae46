import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DockyardError, secretsEqual, type Principal } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { RegistryTables } from './tables.js';
import type { RegistryInfo } from './ports.js';

export type PasswordName = 'password' | 'password2';

export interface AdminCredentials {
  username: string;
  passwords: Array<{ name: PasswordName; value: string }>;
}

/**
 * The registry admin user: username = registry name, two regenerable passwords stored encrypted (AES-256-GCM, key
 * shared by every API node) so `listCredentials` can show them. Full data-plane access to its own registry only, and only
 * while `adminUserEnabled`.
 */
export class AdminUsers {
  private readonly db: Kysely<RegistryTables>;
  private readonly key: Buffer;

  /** `key`: the 32-byte password key, shared by every API node (registryKeys). */
  constructor(
    db: SqlDatabase,
    key: Buffer,
    private readonly tenantId: string,
  ) {
    this.db = db as Kysely<RegistryTables>;
    this.key = key;
  }

  private encrypt(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return [iv, c.getAuthTag(), body].map((b) => b.toString('base64')).join('.');
  }

  private decrypt(enc: string): string {
    const [iv, tag, body] = enc.split('.').map((s) => Buffer.from(s, 'base64'));
    const d = createDecipheriv('aes-256-gcm', this.key, iv);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]).toString('utf8');
  }

  private async ensure(registry: RegistryInfo): Promise<[string, string]> {
    const row = await this.db
      .selectFrom('reg_admin_credentials')
      .selectAll()
      .where('registry_id', '=', registry.id.toLowerCase())
      .executeTakeFirst();
    if (row) return [this.decrypt(row.password1), this.decrypt(row.password2)];
    const p: [string, string] = [newPassword(), newPassword()];
    await this.db
      .insertInto('reg_admin_credentials')
      .values({
        registry_id: registry.id.toLowerCase(),
        password1: this.encrypt(p[0]),
        password2: this.encrypt(p[1]),
        updated_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return p;
  }

  async list(registry: RegistryInfo): Promise<AdminCredentials> {
    if (!registry.adminUserEnabled)
      throw new DockyardError('OperationNotAllowed', `Admin user is disabled for registry '${registry.name}'.`);
    const [p1, p2] = await this.ensure(registry);
    return {
      username: registry.name,
      passwords: [
        { name: 'password', value: p1 },
        { name: 'password2', value: p2 },
      ],
    };
  }

  async regenerate(registry: RegistryInfo, name: string): Promise<AdminCredentials> {
    if (name !== 'password' && name !== 'password2')
      throw new DockyardError(
        'InvalidParameter',
        `The password name '${name}' is invalid. Allowed values: password, password2.`,
      );
    await this.list(registry);
    const enc = this.encrypt(newPassword());
    await this.db
      .updateTable('reg_admin_credentials')
      .set(
        name === 'password'
          ? { password1: enc, updated_at: new Date().toISOString() }
          : { password2: enc, updated_at: new Date().toISOString() },
      )
      .where('registry_id', '=', registry.id.toLowerCase())
      .execute();
    return this.list(registry);
  }

  /** The admin principal when username/password are this registry's admin credentials and the admin user is on. */
  async authenticate(registry: RegistryInfo, username: string, password: string): Promise<Principal | null> {
    if (!registry.adminUserEnabled || username.toLowerCase() !== registry.name.toLowerCase()) return null;
    const [p1, p2] = await this.ensure(registry);
    const ok1 = secretsEqual(password, p1);
    const ok2 = secretsEqual(password, p2);
    if (!ok1 && !ok2) return null;
    return {
      objectId: `registry-admin:${registry.id.toLowerCase()}`,
      tenantId: this.tenantId,
      type: 'RegistryAdmin',
      displayName: registry.name,
      adminOfRegistryId: registry.id,
    };
  }
}

const newPassword = (): string => randomBytes(39).toString('base64url');

export function isAdminOf(principal: Principal, registry: RegistryInfo): boolean {
  return principal.type === 'RegistryAdmin' && principal.adminOfRegistryId?.toLowerCase() === registry.id.toLowerCase();
}
