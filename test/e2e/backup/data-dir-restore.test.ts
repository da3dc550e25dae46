// docs/deploy.md §5 on the single-machine default: `dockyard backup` while the server runs, changes after it, then
// `dockyard restore` into a NEW data dir and a fresh `dockyard serve` on it. The image, the token, the Key Vault
// secret (sealed with the master key), the run and its log come back; the later changes do not; a missing or
// different master key is refused clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnServer, stopServer } from '../../helpers/server-process.js';
import { cliFor, runDockyard } from '../../helpers/cli.js';
import { changeAfterBackup, checkRestored, seed } from '../../helpers/backup-state.js';

const root = mkdtempSync(join(tmpdir(), 'dy-backup-'));
const original = join(root, 'data');
const backup = join(root, 'backup');
const restored = join(root, 'restored');
const dockyard = (...args: string[]) => runDockyard(args);
const mode = (p: string) => statSync(p).mode & 0o777;

test('backup of a running single-machine install, restore into a new data dir', { timeout: 300_000 }, async (t) => {
  const servers: ChildProcess[] = [];
  t.after(async () => {
    for (const c of servers) await stopServer(c);
    rmSync(root, { recursive: true, force: true });
  });
  const first = await spawnServer(original, ['--engine', 'none']);
  servers.push(first.child);
  const cli = cliFor(original);
  const adminKey = readFileSync(join(original, 'admin.key'), 'utf8').trim();
  const state = await seed(cli, adminKey);
  const runLog = await cli('acr', 'task', 'logs', '-r', 'backupreg', '--run-id', state.runId);
  assert.match(runLog.stdout, /No container engine is configured/);

  const started = Date.now();
  const b = await dockyard('backup', '--data-dir', original, '--out', backup);
  assert.equal(b.code, 0, b.stderr);
  t.diagnostic(`backup took ${Date.now() - started} ms: ${b.stdout.trim()}`);
  assert.match(b.stdout, /all \d+ linked digests present/);
  assert.match(b.stdout, /master key is NOT in the backup/);
  assert.ok(!existsSync(join(backup, 'master.key')), 'the key stays apart unless --include-key');
  assert.equal(mode(backup), 0o700);
  assert.equal(mode(join(backup, 'dockyard.db')), 0o600);
  const manifest = JSON.parse(readFileSync(join(backup, 'backup.json'), 'utf8'));
  assert.equal(manifest.blobs.linked, 3);
  // Run logs are rows of the database now; `runs/` (older runs' log files) is copied only when the data dir has one.
  assert.equal(manifest.runs, existsSync(join(original, 'runs')));
  assert.ok(
    !readFileSync(join(backup, 'backup.json'), 'utf8').includes(
      readFileSync(join(original, 'vault.key'), 'utf8').trim(),
    ),
  );
  const again = await dockyard('backup', '--data-dir', original, '--out', backup);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /is not empty; choose a new directory/);

  const later = await changeAfterBackup(cli, adminKey, state);

  // Restore refuses without the key, and with another one, before writing anything.
  let r = await dockyard('restore', '--from', backup, '--data-dir', restored);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /does not include the master key: pass --key-file/);
  const otherKey = join(root, 'other.key');
  writeFileSync(otherKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  r = await dockyard('restore', '--from', backup, '--data-dir', restored, '--key-file', otherKey);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is not the master key this backup was taken with/);
  assert.ok(!existsSync(restored));
  r = await dockyard('restore', '--from', backup, '--data-dir', restored, '--key-file', join(original, 'vault.key'));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(mode(join(restored, 'vault.key')), 0o600);
  await stopServer(first.child);

  // A fresh server on the restored data dir with the key missing, or another key, refuses to start, clearly.
  const key = readFileSync(join(restored, 'vault.key'));
  rmSync(join(restored, 'vault.key'));
  await assert.rejects(spawnServer(restored, ['--engine', 'none']), /the database holds keys sealed with a master key/);
  assert.ok(!existsSync(join(restored, 'vault.key')), 'no new key was invented next to the restored database');
  writeFileSync(join(restored, 'vault.key'), readFileSync(otherKey), { mode: 0o600 });
  await assert.rejects(spawnServer(restored, ['--engine', 'none']), /cannot be opened with this node's master key/);
  writeFileSync(join(restored, 'vault.key'), key, { mode: 0o600 });

  const second = await spawnServer(restored, ['--engine', 'none']);
  servers.push(second.child);
  const cli2 = cliFor(restored);
  assert.equal(readFileSync(join(restored, 'admin.key'), 'utf8').trim(), adminKey, 'the admin key comes back');
  const log = await cli2('acr', 'task', 'logs', '-r', 'backupreg', '--run-id', state.runId);
  assert.equal(log.code, 0, log.stderr);
  assert.equal(log.stdout, runLog.stdout, 'the run log comes back');
  await checkRestored(cli2, adminKey, state, later);
});
