// docs/deploy.md §5 on the scaled topology (PostgreSQL + Azure Blob Storage, here Azurite): while `dockyard serve`
// runs, `pg_dump -Fc`, then a copy of the blob container (server-side Copy Blob, what `az storage blob sync` does);
// changes after that; then `pg_restore` into a NEW database, the copy into a NEW container, and a fresh node on them
// with the same master key. The image, the token, the Key Vault secret and the run come back; the later changes do
// not; another master key is refused clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnServer, stopServer } from '../../helpers/server-process.js';
import { cliFor } from '../../helpers/cli.js';
import { createTestDatabase, PG_BIN } from '../../helpers/postgres.js';
import { copyContainer, startAzurite } from '../../helpers/azurite.js';
import { changeAfterBackup, checkRestored, seed } from '../../helpers/backup-state.js';

const root = mkdtempSync(join(tmpdir(), 'dy-pg-backup-'));

/** pg_dump / pg_restore with the password in PGPASSWORD, not on the command line. */
function pgTool(tool: 'pg_dump' | 'pg_restore', url: string, args: string[]): void {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const r = spawnSync(join(PG_BIN, tool), [...args, '--dbname', u.toString()], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: password },
  });
  assert.equal(r.status, 0, `${tool}: ${r.stderr}`);
}

test(
  'pg_dump + blob container copy of a running node, restored into a new database and container',
  {
    timeout: 400_000,
  },
  async (t) => {
    const servers: ChildProcess[] = [];
    t.after(async () => {
      for (const c of servers) await stopServer(c);
      rmSync(root, { recursive: true, force: true });
    });
    mkdirSync(join(root, 'shared'), { mode: 0o700 });
    const keyFile = join(root, 'shared', 'master.key');
    writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const azurite = await startAzurite();
    process.env.DOCKYARD_BLOB_CONNECTION_STRING = azurite.connectionString;
    const node = (dataDir: string, database: string, container: string, key = keyFile) =>
      spawnServer(dataDir, [
        '--engine',
        'none',
        '--database',
        database,
        '--blob-store',
        'azure',
        '--blob-container',
        container,
        '--secret-key-file',
        key,
      ]);

    const sourceDb = await createTestDatabase('bk_source');
    const first = await node(join(root, 'node1'), sourceDb, 'dockyard');
    servers.push(first.child);
    const cli = cliFor(join(root, 'node1'));
    const adminKey = readFileSync(join(root, 'node1', 'admin.key'), 'utf8').trim();
    const state = await seed(cli, adminKey);

    // The backup, in the documented order, while the node runs: the database dump first, then the blob container.
    const dump = join(root, 'dockyard.dump');
    let started = Date.now();
    pgTool('pg_dump', sourceDb, ['--format=custom', '--file', dump]);
    const dumpMs = Date.now() - started;
    started = Date.now();
    const copied = await copyContainer(azurite.connectionString, 'dockyard', 'dockyard-backup');
    t.diagnostic(
      `pg_dump ${dumpMs} ms (${statSync(dump).size} bytes); container copy ${Date.now() - started} ms (${copied} blobs)`,
    );
    assert.ok(copied >= 3, `at least the image's 3 blobs, copied ${copied}`);

    const later = await changeAfterBackup(cli, adminKey, state);

    // Restore into a NEW database (C collation, docs/designs/database.md) and a NEW container.
    const restoredDb = await createTestDatabase('bk_restored');
    started = Date.now();
    pgTool('pg_restore', restoredDb, ['--no-owner', '--single-transaction', '--exit-on-error', dump]);
    const restoreMs = Date.now() - started;
    await copyContainer(azurite.connectionString, 'dockyard-backup', 'dockyard-restored');
    t.diagnostic(`pg_restore ${restoreMs} ms`);
    await stopServer(first.child);

    // Another master key: the node refuses to start and says why.
    const otherKey = join(root, 'shared', 'other.key');
    writeFileSync(otherKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    await assert.rejects(
      node(join(root, 'wrong-key'), restoredDb, 'dockyard-restored', otherKey),
      /cannot be opened with this node's master key/,
    );

    const second = await node(join(root, 'node2'), restoredDb, 'dockyard-restored');
    servers.push(second.child);
    const cli2 = cliFor(join(root, 'node2'));
    assert.equal(readFileSync(join(root, 'node2', 'admin.key'), 'utf8').trim(), adminKey, 'the admin key comes back');
    await checkRestored(cli2, adminKey, state, later);
  },
);
