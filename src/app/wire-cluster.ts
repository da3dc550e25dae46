import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DockyardConfig } from '../config/index.js';
import type { Kysely } from 'kysely';
import { Leases, SharedKeys, type ClusterTables } from '../cluster/index.js';
import { dataKeyFile, DockyardError, SecretCipher } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';

/** What lets several API nodes on one database act as one service (docs/designs/several-nodes.md). */
export interface ClusterWiring {
  /** The master key: secrets at rest, and the shared keys below. */
  cipher: SecretCipher;
  /** Installation-wide keys in the database (signing keys, admin key, module keys), sealed with the master key. */
  keys: SharedKeys;
  /** Named leases with expiry: background work that must run on one node at a time. */
  leases: Leases;
  /** Other nodes may use the same database and blob store (sharesStores). */
  shared: boolean;
}

/**
 * The master key: `secretKeyFile` when configured (it must exist: every node needs the same key, so none may invent
 * its own), else `<dataDir>/vault.key`, created on the first start of a single machine — but never next to a database
 * that already holds keys sealed with another one (a restored database whose key was left behind): a new key would
 * leave every secret in it unreadable.
 */
export async function openMasterKey(config: DockyardConfig, db: SqlDatabase): Promise<SecretCipher> {
  if (config.secretKeyFile && !existsSync(config.secretKeyFile))
    throw new DockyardError(
      'InvalidParameter',
      `the master key file ${config.secretKeyFile} (secretKeyFile) does not exist; create it once with ` +
        '`head -c 32 /dev/urandom | base64 > <file>; chmod 600 <file>` and give every node the same file',
    );
  const file = config.secretKeyFile ?? dataKeyFile(config.dataDir);
  if (!existsSync(file)) {
    const sealed = await (db as Kysely<ClusterTables>)
      .selectFrom('cluster_keys')
      .select('name')
      .limit(1)
      .executeTakeFirst();
    if (sealed)
      throw new DockyardError(
        'InvalidParameter',
        `the master key file ${file} does not exist, but the database holds keys sealed with a master key (a ` +
          'restored database?): put the master key it was backed up with there (docs/deploy.md §5)',
      );
  }
  return new SecretCipher(file);
}

/** The PostgreSQL URL of config `database`, if it is one. */
export function databaseUrl(config: DockyardConfig): string | undefined {
  return config.database && /^postgres(ql)?:\/\//i.test(config.database) ? config.database : undefined;
}

/** The SQLite file of config `database` (`sqlite:` prefix optional), else `<dataDir>/dockyard.db`. */
export function databasePath(config: DockyardConfig): string {
  const d = config.database;
  if (!d || databaseUrl(config)) return join(config.dataDir, 'dockyard.db');
  return d.replace(/^sqlite:(\/\/)?/i, '');
}

/**
 * True when the database or the blob store may be shared with other API nodes (configured outside the data dir):
 * then blob linking also writes digest marks, so GC on another node cannot delete a blob being linked. A single node
 * keeps the in-process fast path (about 2-4 ms less per blob push on SQLite). Extend this when new stores are added
 * (a PostgreSQL URL, an object-storage blob store).
 */
export function sharesStores(config: DockyardConfig): boolean {
  return Boolean(config.database || config.blobDir || config.blobStore === 'azure');
}

export function wireCluster(db: SqlDatabase, cipher: SecretCipher, config: DockyardConfig): ClusterWiring {
  return { cipher, keys: new SharedKeys(db, cipher), leases: new Leases(db), shared: sharesStores(config) };
}
