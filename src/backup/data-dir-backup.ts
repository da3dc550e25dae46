import {
  chmodSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DockyardConfig } from '../config/index.js';
import { DockyardError } from '../shared/index.js';
import { keyFingerprint, readMasterKey } from './master-key.js';
import { linkedDigests, snapshotSqlite, withCheckedSnapshot } from './sqlite-snapshot.js';
import { copyTree } from './tree-copy.js';

/** What `dockyard backup` writes beside the copies (`backup.json`). */
export interface BackupManifest {
  format: 'dockyard-backup/1';
  createdAt: string;
  database: 'dockyard.db';
  blobs: { files: number; bytes: number; linked: number };
  /** Older runs' log files (`runs/`; logs are database rows since the run-log change), when the data dir had them. */
  runs: boolean;
  tls: boolean;
  masterKey: { fingerprint: string; included: boolean };
}

/** Where the stores of a single-machine install live (what `dockyard serve` would open with this config). */
export interface DataDirLayout {
  dataDir: string;
  database: string;
  blobRoot: string;
  keyFile: string;
}

const MANIFEST = 'backup.json';
const KEY_IN_BACKUP = 'master.key';

/** The layout, or a clear refusal for stores this command does not copy (PostgreSQL, Azure Blob: docs/deploy.md §5). */
export function layoutOf(config: DockyardConfig): DataDirLayout {
  if (config.database && /^postgres(ql)?:\/\//i.test(config.database))
    throw new DockyardError(
      'CliBackup',
      'the database is PostgreSQL: back it up with pg_dump -Fc and restore with pg_restore (docs/deploy.md §5)',
    );
  if (config.blobStore === 'azure')
    throw new DockyardError(
      'CliBackup',
      'the blob store is Azure Blob Storage: copy the container with az storage blob copy start-batch or azcopy (docs/deploy.md §5)',
    );
  return {
    dataDir: config.dataDir,
    database: config.database ? config.database.replace(/^sqlite:(\/\/)?/i, '') : join(config.dataDir, 'dockyard.db'),
    blobRoot: config.blobDir ?? config.dataDir,
    keyFile: config.secretKeyFile ?? join(config.dataDir, 'vault.key'),
  };
}

/** A directory that does not exist yet (or is empty): backups and restores never write over anything. */
function claimEmptyDir(dir: string, what: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new DockyardError('CliBackup', `${what} ${dir} is not empty; choose a new directory`);
}

/**
 * Backs up a single-machine install while it runs, in the order of docs/deploy.md §5: a consistent snapshot of the
 * SQLite database first, then the blob store (blobs are immutable and a link row is committed only after its blob,
 * so a copy taken after the snapshot holds every blob it links — checked), then older runs' log files and the local CA. The master
 * key goes into the backup only with `includeKey`; its fingerprint always does.
 */
export async function backupDataDir(
  layout: DataDirLayout,
  out: string,
  o: { includeKey?: boolean } = {},
): Promise<BackupManifest> {
  claimEmptyDir(out, 'the backup directory');
  const key = readMasterKey(layout.keyFile);
  const work = `${out}.partial-${randomBytes(4).toString('hex')}`;
  mkdirSync(work, { recursive: true, mode: 0o700 });
  try {
    snapshotSqlite(layout.database, join(work, 'dockyard.db'));
    chmodSync(join(work, 'dockyard.db'), 0o600);
    const blobs = await copyTree(join(layout.blobRoot, 'blobs'), join(work, 'blobs'), layout.blobRoot);
    const linked = withCheckedSnapshot(join(work, 'dockyard.db'), linkedDigests);
    const missing = linked.filter((d) => !blobs.digests.has(d));
    if (missing.length)
      throw new DockyardError(
        'CliBackup',
        `${missing.length} blob(s) the database links are not in the blob store (first: ${missing[0]}); the store is damaged`,
      );
    const runs = existsSync(join(layout.dataDir, 'runs'));
    if (runs) await copyTree(join(layout.dataDir, 'runs'), join(work, 'runs'));
    const tls = existsSync(join(layout.dataDir, 'tls'));
    if (tls) await copyTree(join(layout.dataDir, 'tls'), join(work, 'tls'));
    if (o.includeKey) writeFileSync(join(work, KEY_IN_BACKUP), `${key.toString('base64')}\n`, { mode: 0o600 });
    const manifest: BackupManifest = {
      format: 'dockyard-backup/1',
      createdAt: new Date().toISOString(),
      database: 'dockyard.db',
      blobs: { files: blobs.files, bytes: blobs.bytes, linked: linked.length },
      runs,
      tls,
      masterKey: { fingerprint: keyFingerprint(key), included: Boolean(o.includeKey) },
    };
    writeFileSync(join(work, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    moveInto(work, out);
    return manifest;
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}

/** Renames a finished work dir to its final name (replacing an empty directory there). */
function moveInto(work: string, target: string): void {
  if (existsSync(target)) rmdirSync(target);
  renameSync(work, target);
}

function readManifest(from: string): BackupManifest {
  const file = join(from, MANIFEST);
  if (!existsSync(file)) throw new DockyardError('CliBackup', `${from} is not a Dockyard backup (no ${MANIFEST})`);
  const text = readFileSync(file, 'utf8');
  let m: BackupManifest;
  try {
    m = JSON.parse(text.slice(0, 64 * 1024)) as BackupManifest;
  } catch {
    throw new DockyardError('CliBackup', `${file} is not valid JSON`);
  }
  if (m.format !== 'dockyard-backup/1' || typeof m.masterKey?.fingerprint !== 'string')
    throw new DockyardError('CliBackup', `${file} is not a backup this version of Dockyard can restore`);
  return m;
}

/**
 * Restores a backup into a new data dir (absent or empty; never over an existing install): checks the master key
 * against the backup's fingerprint before writing anything, checks the database copy, copies every blob verifying
 * its digest, and writes the key as `<dataDir>/vault.key`. Built in a sibling directory and renamed at the end, so an
 * interrupted restore leaves no half data dir for `dockyard serve` to start on.
 */
export async function restoreDataDir(from: string, dataDir: string, o: { keyFile?: string } = {}) {
  const manifest = readManifest(from);
  claimEmptyDir(dataDir, 'the data dir');
  const keyFile = o.keyFile ?? join(from, KEY_IN_BACKUP);
  if (!o.keyFile && !existsSync(keyFile))
    throw new DockyardError(
      'CliBackup',
      'the backup does not include the master key: pass --key-file with the vault.key kept apart from it',
    );
  const key = readMasterKey(keyFile);
  const fingerprint = keyFingerprint(key);
  if (fingerprint !== manifest.masterKey.fingerprint)
    throw new DockyardError(
      'CliBackup',
      `${keyFile} is not the master key this backup was taken with (fingerprint ${fingerprint}, the backup's ` +
        `${manifest.masterKey.fingerprint}): its secrets could not be opened`,
    );
  const linked = withCheckedSnapshot(join(from, manifest.database), linkedDigests);
  mkdirSync(dirname(dataDir), { recursive: true, mode: 0o700 });
  const work = join(dirname(dataDir), `.${basename(dataDir)}.restoring-${randomBytes(4).toString('hex')}`);
  mkdirSync(work, { mode: 0o700 });
  try {
    copyFileSync(join(from, manifest.database), join(work, 'dockyard.db'), constants.COPYFILE_EXCL);
    chmodSync(join(work, 'dockyard.db'), 0o600);
    const blobs = await copyTree(join(from, 'blobs'), join(work, 'blobs'), from);
    const missing = linked.filter((d) => !blobs.digests.has(d));
    if (missing.length)
      throw new DockyardError('CliBackup', `${missing.length} linked blob(s) are missing from the backup`);
    if (manifest.runs) await copyTree(join(from, 'runs'), join(work, 'runs'));
    if (manifest.tls) await copyTree(join(from, 'tls'), join(work, 'tls'));
    writeFileSync(join(work, 'vault.key'), `${key.toString('base64')}\n`, { mode: 0o600 });
    moveInto(work, dataDir);
    return { manifest, blobs: blobs.files, bytes: blobs.bytes };
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    throw err;
  }
}
