import type { Kysely } from 'kysely';
import type { SecretCipher } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { ClusterTables } from './tables.js';

/**
 * Installation-wide keys (token signing keys, the admin key, encryption keys of single modules) kept in the shared
 * database, sealed with the master key, so every node signs and verifies with the same ones. The first node creates a
 * key (insert-if-absent: two nodes starting at once agree on the row that won); an install that had the key in a
 * data-dir file imports that value once (`legacy`).
 */
export class SharedKeys {
  private readonly db: Kysely<ClusterTables>;

  constructor(
    db: SqlDatabase,
    private readonly cipher: SecretCipher,
  ) {
    this.db = db as Kysely<ClusterTables>;
  }

  private context = (name: string) => `cluster-key/${name}`;

  /** The key's value, created by `make` (or taken from `legacy`) when no node has stored one yet. */
  async ensure(name: string, make: () => string | Promise<string>, legacy?: () => string | undefined): Promise<string> {
    const existing = await this.get(name);
    if (existing !== undefined) return existing;
    const value = legacy?.() ?? (await make());
    await this.db
      .insertInto('cluster_keys')
      .values({ name, value: this.cipher.seal(value, this.context(name)), created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    return (await this.get(name))!;
  }

  async get(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('cluster_keys').select('value').where('name', '=', name).executeTakeFirst();
    return row ? this.open(name, row.value) : undefined;
  }

  private open(name: string, column: string): string {
    try {
      return this.cipher.open<string>(column, this.context(name));
    } catch {
      throw new Error(
        `the shared key '${name}' cannot be opened with this node's master key: every node needs the same key file (config secretKeyFile, docs/deploy.md), and a restored database the key it was backed up with (§5)`,
      );
    }
  }

  /** Replaces a key only if it still has the value `expected` (compare-and-set); false when another node changed it. */
  async replace(name: string, expected: string, next: string): Promise<boolean> {
    const row = await this.db.selectFrom('cluster_keys').select('value').where('name', '=', name).executeTakeFirst();
    if (!row || this.open(name, row.value) !== expected) return false;
    const r = await this.db
      .updateTable('cluster_keys')
      .set({ value: this.cipher.seal(next, this.context(name)) })
      .where('name', '=', name)
      .where('value', '=', row.value)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
