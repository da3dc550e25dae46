import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { backupDataDir, layoutOf, restoreDataDir, type DataDirLayout } from '../../../src/backup/index.js';
import { loadConfig } from '../../../src/config/index.js';

/** A data dir with a database linking two blobs, both stored. */
function dataDir(root: string): { layout: DataDirLayout; blobFile: (i: number) => string } {
  const dir = join(root, 'data');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'vault.key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const db = new Database(join(dir, 'dockyard.db'));
  db.pragma('journal_mode = WAL');
  db.exec('create table reg_blob_links (registry text, repository text, digest text, size integer, touched_at text)');
  const files: string[] = [];
  for (let i = 0; i < 2; i++) {
    const body = randomBytes(1000 + i);
    const hex = createHash('sha256').update(body).digest('hex');
    mkdirSync(join(dir, 'blobs', 'sha256', hex.slice(0, 2)), { recursive: true });
    files.push(join(dir, 'blobs', 'sha256', hex.slice(0, 2), hex));
    writeFileSync(files[i], body);
    db.prepare('insert into reg_blob_links values (?, ?, ?, ?, ?)').run('r', 'app', `sha256:${hex}`, body.length, '');
  }
  db.close();
  return { layout: layoutOf(loadConfig({ env: {}, flags: { dataDir: dir } })), blobFile: (i) => files[i] };
}

test('backup and restore round-trip; a damaged or missing blob stops them', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dy-backup-unit-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { layout, blobFile } = dataDir(root);

  const m = await backupDataDir(layout, join(root, 'b1'));
  assert.deepEqual(m.blobs, { files: 2, bytes: 2001, linked: 2 });
  await restoreDataDir(join(root, 'b1'), join(root, 'r1'), { keyFile: layout.keyFile });
  assert.ok(existsSync(join(root, 'r1', 'blobs', 'sha256')));

  // A blob whose bytes no longer match its name is not carried into a backup.
  writeFileSync(blobFile(0), 'tampered');
  await assert.rejects(backupDataDir(layout, join(root, 'b2')), /is damaged: its content hashes to/);
  assert.ok(!existsSync(join(root, 'b2')), 'nothing is left of a failed backup');
  // A blob the database links but the store lost makes the backup fail rather than be incomplete.
  rmSync(blobFile(0));
  await assert.rejects(backupDataDir(layout, join(root, 'b3')), /1 blob\(s\) the database links are not in the/);

  // A damaged blob in the backup stops the restore; no data dir appears.
  writeFileSync(join(root, 'b1', 'blobs', 'sha256', blobFile(1).split('/').slice(-2).join('/')), 'x');
  await assert.rejects(restoreDataDir(join(root, 'b1'), join(root, 'r2'), { keyFile: layout.keyFile }), /is damaged/);
  assert.ok(!existsSync(join(root, 'r2')));
  await assert.rejects(
    restoreDataDir(join(root, 'b1'), join(root, 'r1'), { keyFile: layout.keyFile }),
    /the data dir .* is not empty/,
  );
});

test('PostgreSQL and Azure Blob stores are refused with the documented way instead', () => {
  const cfg = (flags: Record<string, string>) => loadConfig({ env: {}, flags: { dataDir: '/tmp/x', ...flags } });
  assert.throws(() => layoutOf(cfg({ database: 'postgres://u:p@h/db' })), /pg_dump -Fc.*docs\/deploy\.md §5/);
  assert.throws(
    () => layoutOf(cfg({ blobStore: 'azure', blobConnectionString: 'UseDevelopmentStorage=true' })),
    /az storage blob copy start-batch/,
  );
});
