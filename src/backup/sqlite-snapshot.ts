import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { DockyardError } from '../shared/index.js';

/**
 * A consistent copy of a live SQLite database: `VACUUM INTO` runs in one read transaction, so under WAL it sees one
 * snapshot while the server keeps writing (no restart loop as with the page-by-page backup API when another process
 * writes), and the copy is a single compacted file with no -wal/-shm beside it.
 */
export function snapshotSqlite(source: string, target: string): void {
  if (!existsSync(source)) throw new DockyardError('CliBackup', `there is no database at ${source}`);
  const db = new Database(source, { fileMustExist: true, timeout: 5000 });
  try {
    db.prepare('vacuum into ?').run(target);
  } finally {
    db.close();
  }
}

/** Opens a backup's database read-only, checks it (`quick_check`) and returns what `read` gets from it. */
export function withCheckedSnapshot<T>(file: string, read: (db: InstanceType<typeof Database>) => T): T {
  if (!existsSync(file)) throw new DockyardError('CliBackup', `the backup has no database (${file})`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new DockyardError('CliBackup', `the database copy ${file} is damaged: ${String(check)}`);
    return read(db);
  } finally {
    db.close();
  }
}

/**
 * The blob digests the database links to a repository (`reg_blob_links`, src/registry/tables.ts): every one must be
 * in the blob copy. A link row is committed only after its blob is stored, and GC drops the row before the blob, so
 * a blob copy taken after the snapshot holds them all (docs/deploy.md §5).
 */
export function linkedDigests(db: InstanceType<typeof Database>): string[] {
  const table = db.prepare("select name from sqlite_master where type = 'table' and name = 'reg_blob_links'").get();
  if (!table) return [];
  return (db.prepare('select distinct digest from reg_blob_links').all() as Array<{ digest: string }>).map(
    (r) => r.digest,
  );
}
