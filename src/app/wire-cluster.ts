import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DockyardConfig } from '../config/index.js';
import { Leases, SharedKeys } from '../cluster/index.js';
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
}

/**
 * The master key: `secretKeyFile` when configured (it must exist: every node needs the same key, so none may invent
 * its own), else `<dataDir>/vault.key`, created on the first start of a single machine.
 */
export function openMasterKey(config: DockyardConfig): SecretCipher {
  if (config.secretKeyFile && !existsSync(config.secretKeyFile))
    throw new DockyardError(
      'InvalidParameter',
      `the master key file ${config.secretKeyFile} (secretKeyFile) does not exist; create it once with ` +
        '`head -c 32 /dev/urandom | base64 > <file>; chmod 600 <file>` and give every node the same file',
    );
  return new SecretCipher(config.secretKeyFile ?? dataKeyFile(config.dataDir));
}

/** The SQLite file of config `database` (`sqlite:` prefix optional), else `<dataDir>/dockyard.db`. */
export function databasePath(config: DockyardConfig): string {
  const d = config.database;
  if (!d) return join(config.dataDir, 'dockyard.db');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(d) && !d.startsWith('sqlite:'))
    throw new DockyardError('InvalidParameter', 'database: only a SQLite file path is supported by this build');
  return d.replace(/^sqlite:(\/\/)?/, '');
}

export function wireCluster(db: SqlDatabase, cipher: SecretCipher): ClusterWiring {
  return { cipher, keys: new SharedKeys(db, cipher), leases: new Leases(db) };
}
