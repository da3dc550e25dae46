import type { Kysely } from 'kysely';
import { engineOf, type SqlDatabase } from '../storage/index.js';
import type { AccessPolicy, SecretRow, VaultRow, VaultTables } from './tables.js';

/** SQL persistence of vaults and secret versions (values arrive already encrypted). */
export class VaultStore {
  private readonly db: Kysely<VaultTables>;
  /** Insertion order of secret versions (tiebreak within one second): rowid on SQLite, `seq` on PostgreSQL. */
  private readonly insertionOrder: string;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<VaultTables>;
    this.insertionOrder = engineOf(db) === 'postgres' ? 'seq' : 'rowid';
  }

  byName(name: string): Promise<VaultRow | undefined> {
    return this.db.selectFrom('key_vaults').selectAll().where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
  }

  list(sub: string, rg?: string): Promise<VaultRow[]> {
    let q = this.db.selectFrom('key_vaults').selectAll().where('subscription_id', '=', sub);
    if (rg) q = q.where((eb) => eb(eb.fn('lower', ['resource_group']), '=', rg.toLowerCase()));
    return q.orderBy('name').execute();
  }

  all(): Promise<VaultRow[]> {
    return this.db.selectFrom('key_vaults').selectAll().execute();
  }

  async insert(row: VaultRow): Promise<void> {
    await this.db.insertInto('key_vaults').values(row).execute();
  }

  async update(
    idLower: string,
    patch: Partial<Pick<VaultRow, 'tags' | 'access_policies' | 'enable_rbac_authorization' | 'sku'>>,
  ): Promise<void> {
    await this.db.updateTable('key_vaults').set(patch).where('id_lower', '=', idLower).execute();
  }

  async setPolicies(v: VaultRow, policies: AccessPolicy[]): Promise<void> {
    await this.update(v.id_lower, { access_policies: JSON.stringify(policies) });
  }

  async delete(v: VaultRow): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('key_vault_secrets').where('vault_lower', '=', v.name_lower).execute();
      await tx.deleteFrom('key_vaults').where('id_lower', '=', v.id_lower).execute();
    });
  }

  async insertSecret(row: SecretRow): Promise<void> {
    await this.db.insertInto('key_vault_secrets').values(row).execute();
  }

  /** A version, or the latest (most recently created) when no version is given. */
  secret(vault: string, name: string, version?: string): Promise<SecretRow | undefined> {
    let q = this.db
      .selectFrom('key_vault_secrets')
      .selectAll()
      .where('vault_lower', '=', vault.toLowerCase())
      .where('name_lower', '=', name.toLowerCase());
    if (version) q = q.where('version', '=', version.toLowerCase());
    return q
      .orderBy('created', 'desc')
      .orderBy(this.insertionOrder as never, 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  versions(vault: string, name: string): Promise<SecretRow[]> {
    return this.db
      .selectFrom('key_vault_secrets')
      .selectAll()
      .where('vault_lower', '=', vault.toLowerCase())
      .where('name_lower', '=', name.toLowerCase())
      .orderBy('created')
      .orderBy(this.insertionOrder as never)
      .execute();
  }

  /** The latest version of each secret of a vault. */
  async latestOfEach(vault: string): Promise<SecretRow[]> {
    const rows = await this.db
      .selectFrom('key_vault_secrets')
      .selectAll()
      .where('vault_lower', '=', vault.toLowerCase())
      .orderBy('created')
      .orderBy(this.insertionOrder as never)
      .execute();
    const latest = new Map<string, SecretRow>();
    for (const r of rows) latest.set(r.name_lower, r);
    return [...latest.values()].sort((a, b) => a.name_lower.localeCompare(b.name_lower));
  }

  async updateSecret(
    r: SecretRow,
    patch: Partial<Pick<SecretRow, 'enabled' | 'exp' | 'nbf' | 'content_type' | 'tags' | 'updated'>>,
  ): Promise<void> {
    await this.db
      .updateTable('key_vault_secrets')
      .set(patch)
      .where('vault_lower', '=', r.vault_lower)
      .where('name_lower', '=', r.name_lower)
      .where('version', '=', r.version)
      .execute();
  }

  async deleteSecret(vault: string, name: string): Promise<void> {
    await this.db
      .deleteFrom('key_vault_secrets')
      .where('vault_lower', '=', vault.toLowerCase())
      .where('name_lower', '=', name.toLowerCase())
      .execute();
  }
}
