import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { encoded, runToEnd, startSecurityServer, TASKV, type SecurityServer } from './fixture.js';

// Issue 12 item 7: the data dir is private (0700, files 0600) and no task or run secret is stored in plaintext.
const SET_SECRET = 'RunSetSecret-Plain-789';
const TASK_SECRET = 'TaskSetSecret-Plain-321';
const CRED_PASSWORD = 'CredPassword-Plain-654';
const LEGACY_SECRET = 'LegacyPlaintext-Secret-987';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every entry under `dir` with group/other permission bits (symlinks skipped). */
function openEntries(dir: string): string[] {
  const bad: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) continue;
      if (st.mode & 0o077) bad.push(`${p} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  if (lstatSync(dir).mode & 0o077) bad.push(`${dir} ${(lstatSync(dir).mode & 0o777).toString(8)}`);
  walk(dir);
  return bad;
}

async function checkpoint(x: SecurityServer): Promise<void> {
  await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(x.s.platform.db);
}

function dbBytes(dataDir: string): Buffer {
  const parts = ['dockyard.db', 'dockyard.db-wal'].map((f) => join(dataDir, f)).filter(existsSync);
  return Buffer.concat(parts.map((p) => readFileSync(p)));
}

async function createTaskWithSecrets(x: SecurityServer): Promise<void> {
  const put = await x.s.api(`${x.registryId}/tasks/credtask?${TASKV}`, {
    method: 'PUT',
    body: {
      location: 'eastus',
      properties: {
        platform: { os: 'linux' },
        step: {
          type: 'EncodedTask',
          encodedTaskContent: encoded('version: v1.1.0\nsteps:\n  - cmd: bash echo {{.Values.tok}}\n'),
          values: [{ name: 'tok', value: TASK_SECRET, isSecret: true }],
        },
        credentials: {
          customRegistries: {
            'other.example.com': {
              userName: { type: 'Opaque', value: 'someone' },
              password: { type: 'Opaque', value: CRED_PASSWORD },
            },
          },
        },
      },
    },
  });
  assert.ok(put.status === 200 || put.status === 201, put.text);
}

test('after start and a few runs the data dir is 0700 and every file in it 0600 (db, wal, shm, blobs, uploaded sources, keys)', async () => {
  const x = await startSecurityServer();
  dirs.push(x.s.dataDir);
  try {
    await createTaskWithSecrets(x);
    // A quick run with an uploaded context (uploads) and a log (runs/); a pushed blob (blobs/).
    const up = await x.s.api(`${x.registryId}/listBuildSourceUploadUrl?${TASKV}`, { method: 'POST' });
    assert.equal(up.status, 200, up.text);
    const ctx = mkdtempSync(join(tmpdir(), 'dockyard-sec-up-'));
    dirs.push(ctx);
    writeFileSync(join(ctx, 'hello.txt'), 'hi\n');
    execFileSync('tar', ['-czf', join(ctx, 'ctx.tar.gz'), '-C', ctx, 'hello.txt']);
    const put = await fetch(up.json.uploadUrl, {
      method: 'PUT',
      headers: { 'content-type': 'application/gzip' },
      body: readFileSync(join(ctx, 'ctx.tar.gz')),
    });
    assert.equal(put.status, 201);
    await runToEnd(x, {
      type: 'EncodedTaskRunRequest',
      encodedTaskContent: encoded('version: v1.1.0\nsteps:\n  - cmd: bash echo hi\n'),
      sourceLocation: up.json.relativePath,
      values: [{ name: 'p', value: SET_SECRET, isSecret: true }],
      platform: { os: 'linux' },
    });
    // A pushed blob (blobs/), through the data plane with the local admin's Basic credentials.
    const blob = Buffer.from('a blob\n');
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const login = (await x.s.platform.registries.all())[0].login_server;
    const auth = `Basic ${Buffer.from(`00000000-0000-0000-0000-00000000ad01:${x.s.platform.admin.key}`).toString('base64')}`;
    const pushed = await fetch(`http://${login}/v2/app/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/octet-stream' },
      body: blob,
    });
    assert.equal(pushed.status, 201, await pushed.text());
    assert.ok(existsSync(join(x.s.dataDir, 'blobs')), 'blobs exist');

    for (const f of ['dockyard.db', 'dockyard.db-wal', 'dockyard.db-shm', 'vault.key', 'admin.key', 'endpoint.json']) {
      if (existsSync(join(x.s.dataDir, f))) assert.equal(lstatSync(join(x.s.dataDir, f)).mode & 0o777, 0o600, f);
    }
    // Run logs are rows in the database; the uploaded archive is a file of the blob store (the data dir by default).
    assert.ok(existsSync(join(x.s.dataDir, 'files', 'run-sources')), 'uploaded sources exist');
    assert.deepEqual(openEntries(x.s.dataDir), []);
  } finally {
    await x.s.cleanup();
  }
});

test('an older install (0755 dir, 0644 files) is made private on start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-sec-old-'));
  dirs.push(dir);
  const first = await startSecurityServer(dir);
  await first.s.stop();
  // What an older version left behind.
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'runs', 'secreg'), { recursive: true });
  writeFileSync(join(dir, 'runs', 'secreg', 'ca1.log'), 'old log\n', { mode: 0o644 });
  chmodSync(join(dir, 'runs', 'secreg', 'ca1.log'), 0o644);
  chmodSync(join(dir, 'runs'), 0o755);
  for (const f of ['dockyard.db', 'vault.key']) chmodSync(join(dir, f), 0o644);
  assert.notDeepEqual(openEntries(dir), []);
  const again = await startSecurityServer(dir);
  try {
    assert.deepEqual(openEntries(dir), []);
  } finally {
    await again.s.cleanup();
  }
});

test('the raw SQLite file holds no --set-secret value, task secret or credential password in plaintext', async () => {
  const x = await startSecurityServer();
  dirs.push(x.s.dataDir);
  try {
    await createTaskWithSecrets(x);
    await runToEnd(x, {
      type: 'EncodedTaskRunRequest',
      encodedTaskContent: encoded('version: v1.1.0\nsteps:\n  - cmd: bash echo {{.Values.p}}\n'),
      values: [{ name: 'p', value: SET_SECRET, isSecret: true }],
      platform: { os: 'linux' },
    });
    await runToEnd(x, {
      type: 'TaskRunRequest',
      taskId: `${x.registryId}/tasks/credtask`,
      overrideTaskStepProperties: { values: [{ name: 'tok', value: SET_SECRET, isSecret: true }] },
    });
    for (const phase of ['before checkpoint', 'after checkpoint']) {
      if (phase === 'after checkpoint') await checkpoint(x);
      const bytes = dbBytes(x.s.dataDir);
      for (const secret of [SET_SECRET, TASK_SECRET, CRED_PASSWORD])
        assert.ok(!bytes.includes(Buffer.from(secret)), `${secret} in the database file ${phase}`);
    }
    // Still usable: the task shows its secrets to whoever may read them with secure properties, the run has them.
    const task = await x.s.platform.tasks.taskStore.get(`${x.registryId}/tasks/credtask`);
    assert.equal(task!.secure['value:tok'], TASK_SECRET);
    assert.equal(task!.secure['cred:other.example.com:password'], CRED_PASSWORD);
    const runs = await x.s.platform.tasks.runs.list('secreg');
    assert.ok(runs.some((r) => r.request.secureValues['value:p'] === SET_SECRET));
  } finally {
    await x.s.cleanup();
  }
});

test('plaintext secrets written by an older version are sealed on start and still readable', async () => {
  const x = await startSecurityServer();
  const dir = x.s.dataDir;
  dirs.push(dir);
  await createTaskWithSecrets(x);
  const runId = await runToEnd(x, {
    type: 'EncodedTaskRunRequest',
    encodedTaskContent: encoded('version: v1.1.0\nsteps:\n  - cmd: bash echo hi\n'),
    values: [{ name: 'p', value: SET_SECRET, isSecret: true }],
    platform: { os: 'linux' },
  });
  await x.s.stop();

  // Rewrite the rows the way the previous version stored them: plaintext JSON, run secrets inside `request`.
  const db = new Database(join(dir, 'dockyard.db'));
  db.prepare('UPDATE tasks SET secure = ?').run(
    JSON.stringify({ 'value:tok': LEGACY_SECRET, 'cred:other.example.com:password': CRED_PASSWORD }),
  );
  const row = db.prepare('SELECT request FROM runs WHERE run_id = ?').get(runId) as { request: string };
  const request = { ...JSON.parse(row.request), secureValues: { 'value:p': LEGACY_SECRET } };
  db.prepare(`UPDATE runs SET request = ?, secure = '{}', result = ? WHERE run_id = ?`).run(
    JSON.stringify(request),
    JSON.stringify({ runErrorMessage: `boom ${LEGACY_SECRET}` }),
    runId,
  );
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  assert.ok(
    readFileSync(join(dir, 'dockyard.db')).includes(Buffer.from(LEGACY_SECRET)),
    'the legacy plaintext is there before the upgrade',
  );

  const again = await startSecurityServer(dir);
  try {
    await checkpoint(again);
    assert.ok(!dbBytes(dir).includes(Buffer.from(LEGACY_SECRET)), 'sealed on start, no old copy left in free pages');
    const task = await again.s.platform.tasks.taskStore.get(`${again.registryId}/tasks/credtask`);
    assert.equal(task!.secure['value:tok'], LEGACY_SECRET);
    const run = await again.s.platform.tasks.runs.get('secreg', runId);
    assert.equal(run!.request.secureValues['value:p'], LEGACY_SECRET);
    assert.equal(run!.result.runErrorMessage, 'boom ***');
  } finally {
    await again.s.cleanup();
  }
});
