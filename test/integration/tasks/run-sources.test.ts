// Build-source uploads and run logs with no per-node state (docs/designs/several-nodes.md): two `Uploads` on one
// database and one blob directory act as two API nodes; the sweep; the log batcher's writes and bound; logs of older
// versions (files) still read. On the engine of this test pass (SQLite or PostgreSQL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore, migrateToLatest, type SqlDatabase } from '../../../src/storage/index.js';
import { ALL_MIGRATIONS } from '../../../src/app/migrations.js';
import { fixedClock, isDockyardError, SecretCipher } from '../../../src/shared/index.js';
import { Uploads, SWEEP_GRACE_MS } from '../../../src/tasks/runs/uploads.js';
import { RunStore } from '../../../src/tasks/runs/run-store.js';
import { RunLogChunks } from '../../../src/tasks/runs/run-log-chunks.js';
import { RunLogs } from '../../../src/tasks/runs/run-log.js';
import { RunLogBatcher } from '../../../src/tasks/runs/run-log-batcher.js';
import type { RunRequest } from '../../../src/tasks/runs/model.js';
import { openTestDatabase } from '../../helpers/database.js';

const HOUR = 3600_000;

async function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const db: SqlDatabase = await openTestDatabase();
  await migrateToLatest(db, ALL_MIGRATIONS);
  const dir = mkdtempSync(join(tmpdir(), 'dy-sources-'));
  t.after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = fixedClock(new Date('2026-12-09T10:00:00Z'));
  const key = randomBytes(32);
  // Two nodes: separate store instances on one directory, separate Uploads on one database.
  const a = new Uploads(db, new FsBlobStore(dir), key, clock);
  const b = new Uploads(db, new FsBlobStore(dir), key, clock);
  const files = () => {
    const root = join(dir, 'files', 'run-sources');
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else out.push(join(d, e.name).slice(root.length + 1));
      }
    };
    try {
      walk(root);
    } catch {
      /* none yet */
    }
    return out.sort();
  };
  return { db, dir, clock, a, b, files };
}

const body = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));
const text = async (r: Readable) => {
  const c: Buffer[] = [];
  for await (const x of r) c.push(x as Buffer);
  return Buffer.concat(c).toString();
};
const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (err: unknown) => (isDockyardError(err) ? err.code : String(err)),
  );
const blockId = (n: number) => Buffer.from(`block-${String(n).padStart(4, '0')}`).toString('base64');

test('an upload written on one node is found and read on the other; single use, whatever the node', async (t) => {
  const { a, b, files } = await setup(t);
  const one = await a.allocate(HOUR);
  await b.receive(one.token, body('whole ', 'archive'));
  assert.equal(await text(await a.open(await a.locate(one.relativePath))), 'whole archive');
  assert.equal(await code(a.receive(one.token, body('again'))), 'BlobAlreadyExists');
  assert.equal(await code(b.receiveBlock(one.token, blockId(0), body('x'))), 'BlobAlreadyExists');

  // Blocks staged on both nodes, the list committed on one: the archive is the listed blocks, in order.
  const two = await b.allocate(HOUR);
  await a.receiveBlock(two.token, blockId(1), body('second;'));
  await b.receiveBlock(two.token, blockId(0), body('first;'));
  await a.receiveBlock(two.token, blockId(2), body('never listed'));
  await b.receiveBlock(two.token, blockId(1), body('second (again);'));
  assert.equal(await code(a.commitBlocks(two.token, [blockId(0), blockId(3)])), 'InvalidBlockList');
  await b.commitBlocks(two.token, [blockId(0), blockId(1)]);
  assert.equal(await text(await a.open(await a.locate(two.relativePath))), 'first;second (again);');
  assert.equal(await code(a.commitBlocks(two.token, [blockId(0)])), 'BlobAlreadyExists');
  // Spent blocks are gone: one archive per upload is all that is stored.
  assert.deepEqual(
    files().map((f) => f.replace(/\/[0-9a-f]{16}\//, '/*/')),
    [`${one.token}/*/source.tar.gz`, `${two.token}/*/source.tar.gz`].sort(),
  );

  // Two writes of one URL at once on two nodes: exactly one wins, the loser leaves nothing.
  const three = await a.allocate(HOUR);
  const results = await Promise.all([
    code(a.receive(three.token, body('from a'))),
    code(b.receive(three.token, body('from b'))),
  ]);
  assert.deepEqual(results.sort(), ['BlobAlreadyExists', 'ok']);
  assert.equal(files().filter((f) => f.startsWith(three.token)).length, 1);
  assert.match(await text(await b.open(await b.locate(three.relativePath))), /^from [ab]$/);
});

test('bounds hold and a failed write leaves nothing: the URL can be used again', async (t) => {
  const { a, b, files } = await setup(t);
  const u = await a.allocate(HOUR);
  assert.equal(await code(a.receive(u.token, body('12345', '6789'), 8)), 'RequestBodyTooLarge');
  const broken = new Readable({
    read() {
      this.push(Buffer.from('half'));
      this.destroy(new Error('client gone'));
    },
  });
  assert.match(await code(b.receive(u.token, broken)), /client gone/);
  assert.deepEqual(files(), []);
  assert.equal(await code(a.locate(u.relativePath)), 'InvalidParameter', 'not uploaded');
  await b.receive(u.token, body('ok'));
  assert.equal(await text(await a.open(await a.locate(u.relativePath))), 'ok');

  assert.equal(await code(a.receive('x'.repeat(30), body('x'))), 'BlobNotFound', 'a token never allocated');
  assert.equal(await code(a.receive('bad token', body('x'))), 'InvalidParameter');
  const v = await a.allocate(HOUR);
  assert.equal(await code(a.receiveBlock(v.token, '!!', body('x'))), 'InvalidBlockId');
  assert.equal(await code(a.commitBlocks(v.token, [])), 'InvalidBlockList');
});

test('an expired upload URL is refused; the sweep removes expired uploads unless a live run names them', async (t) => {
  const { db, clock, a, b, files } = await setup(t);
  const unused = await a.allocate(HOUR);
  const staged = await a.allocate(HOUR);
  await b.receiveBlock(staged.token, blockId(0), body('staged, never committed'));
  const used = await a.allocate(HOUR);
  await a.receive(used.token, body('source of a run'));
  const runs = new RunStore(db, new SecretCipher(randomBytes(32)));
  const run = await runs.create(
    {
      registryName: 'sweepreg',
      taskName: null,
      uploadedContext: await a.locate(used.relativePath),
      secureValues: {},
      agentPoolName: null,
    } as unknown as RunRequest,
    'QuickRun',
    600,
  );
  const fresh = await a.allocate(3 * HOUR);
  await a.receive(fresh.token, body('later'));

  clock.advance(HOUR + 1000);
  assert.equal(await code(b.receive(unused.token, body('late'))), 'SasAuthenticationFailed');
  assert.equal(await code(b.locate(used.relativePath)), 'InvalidParameter', 'an expired source is not scheduled');
  assert.equal(await a.sweep(), 0, 'within the grace period nothing goes');

  clock.advance(SWEEP_GRACE_MS);
  assert.equal(await b.sweep(), 2, 'the unused and the staged-only upload');
  const left = new Set(files().map((f) => f.split('/')[0]));
  assert.deepEqual([...left].sort(), [used.token, fresh.token].sort(), 'the queued run keeps its source');
  assert.equal(await text(await b.open(run.request.uploadedContext!)), 'source of a run');
  const blocks = await db
    .selectFrom('run_source_blocks' as never)
    .selectAll()
    .execute();
  assert.equal(blocks.length, 0, 'staged block rows went with their upload');

  await runs.setStatus(run, 'Succeeded');
  assert.equal(await a.sweep(), 1, 'once the run ended its source goes');
  assert.deepEqual([...new Set(files().map((f) => f.split('/')[0]))], [fresh.token]);
  await assert.rejects(b.open(run.request.uploadedContext!), /no longer exists/);
});

test('run logs: batched into few rows, bounded per run with the final line kept, older files still read', async (t) => {
  const { db, dir } = await setup(t);
  const chunks = new RunLogChunks(db);
  const logs = new RunLogs(join(dir, 'runs'), chunks);
  const w = logs.writer('LogReg', 'ca1');
  w.addSecret('s3cr3t-value');
  for (let i = 0; i < 2000; i++) w.line(`step output line ${i} with s3cr3t-value`);
  await w.last('Run ID: ca1 was successful after 1s');
  const rows = await db
    .selectFrom('run_log_chunks' as never)
    .selectAll()
    .where('run_id' as never, '=', 'ca1' as never)
    .execute();
  assert.ok(rows.length >= 1 && rows.length <= 6, `2000 lines in ${rows.length} rows`);
  const all = (await logs.text({ registryName: 'logreg', runId: 'ca1' }))!.toString();
  assert.equal(all.split('\n').filter(Boolean).length, 2001);
  assert.ok(!all.includes('s3cr3t-value') && all.includes('step output line 1999 with ***'));
  assert.match(all, /step output line 0 [\s\S]*line 1999 [\s\S]*\nRun ID: ca1 was successful after 1s\n$/);

  // The bound: one notice, then nothing but the final line.
  const small = new RunLogBatcher(chunks, 'logreg', 'ca2', undefined, 1000);
  for (let i = 0; i < 100; i++) small.push(`${'x'.repeat(40)} ${i}\n`);
  small.push('Run ID: ca2 failed after 2s\n', true);
  await small.close();
  const capped = (await logs.text({ registryName: 'logreg', runId: 'ca2' }))!.toString();
  assert.ok(capped.length < 1300, `${capped.length} bytes`);
  assert.match(capped, /further output is not stored\.\nRun ID: ca2 failed after 2s\n$/);
  assert.equal(capped.match(/further output/g)!.length, 1);

  // A log file of an older version (a server run), then whatever was stored since (an interrupted run's last line).
  mkdirSync(join(dir, 'runs', 'logreg'), { recursive: true });
  writeFileSync(join(dir, 'runs', 'logreg', 'ca3.log'), 'old line\n');
  await logs.writer('logreg', 'ca3').last('Run ID: ca3 failed after 5s. Error: interrupted');
  const old = { registryName: 'logreg', runId: 'ca3' };
  assert.equal((await logs.text(old))!.toString(), 'old line\nRun ID: ca3 failed after 5s. Error: interrupted\n');
  assert.equal(await text(logs.stream(old, false, async () => true)), (await logs.text(old))!.toString());
  assert.equal(await logs.text({ registryName: 'logreg', runId: 'ca9' }), null);
});
