import type { Kysely } from 'kysely';
import { createHash, randomBytes } from 'node:crypto';
import type { MigrationSet, SqlDatabase } from '../storage/index.js';
import { newGuid, newSecret, secretsEqual } from '../shared/index.js';

interface SecretTables {
  principal_secrets: {
    key_id: string;
    object_id: string;
    salt: string;
    hash: string;
    hint: string;
    end_date: string;
    created_at: string;
  };
}

export const clientSecretMigrations: MigrationSet = {
  '202611230011-identity-client-secrets': {
    async up(db) {
      await db.schema
        .createTable('principal_secrets')
        .addColumn('key_id', 'text', (c) => c.primaryKey())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('salt', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('end_date', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('principal_secrets_object').on('principal_secrets').column('object_id').execute();
    },
  },
};

const hashOf = (salt: string, secret: string): string =>
  createHash('sha256').update(salt).update('\0').update(secret).digest('hex');

/** Client secrets of service principals: only a salted hash is stored; checks run in constant time. */
export class ClientSecrets {
  private readonly db: Kysely<SecretTables>;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<SecretTables>;
  }

  /** Adds a secret and returns it (the only time it is visible). */
  async add(objectId: string, years = 1): Promise<{ keyId: string; secret: string; endDate: string }> {
    // Never a leading '-': az would read `-p -xyz...` as an option (its help says to write -p=secret then).
    const secret = `${newSecret(6).replace(/[-_]/g, 'x').slice(0, 3)}8Q~${newSecret(30)}`;
    const salt = randomBytes(16).toString('hex');
    const keyId = newGuid();
    const endDate = new Date(Date.now() + years * 365 * 86400_000).toISOString();
    await this.db
      .insertInto('principal_secrets')
      .values({
        key_id: keyId,
        object_id: objectId.toLowerCase(),
        salt,
        hash: hashOf(salt, secret),
        hint: secret.slice(0, 3),
        end_date: endDate,
        created_at: new Date().toISOString(),
      })
      .execute();
    return { keyId, secret, endDate };
  }

  /** True when `secret` is a current secret of the principal. */
  async check(objectId: string, secret: string): Promise<boolean> {
    const rows = await this.db
      .selectFrom('principal_secrets')
      .selectAll()
      .where('object_id', '=', objectId.toLowerCase())
      .execute();
    let ok = false;
    const now = new Date().toISOString();
    for (const r of rows) if (secretsEqual(hashOf(r.salt, secret), r.hash) && r.end_date > now) ok = true;
    return ok;
  }

  async deleteFor(objectId: string): Promise<void> {
    await this.db.deleteFrom('principal_secrets').where('object_id', '=', objectId.toLowerCase()).execute();
  }
}
