import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { spawnServer, stopServer } from '../../helpers/server-process.js';
import { createTestDatabase } from '../../helpers/postgres.js';

test('dockyard serve --database postgres://...: migrates and serves; the password never shows', async (t) => {
  const url = await createTestDatabase('cli');
  const password = new URL(url).password;
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-serve-pg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { child, output } = await spawnServer(dir, ['--database', url, '--engine', 'none', '--log-level', 'info']);
  await stopServer(child);
  assert.match(output(), /database: +postgresql:\/\/dockyard:\*\*\*@localhost\//);
  assert.ok(!output().includes(password), 'the password is not in the output');
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const tables = await c.query<{ n: number }>(
    `select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
  );
  const tenants = await c.query<{ n: number }>('select count(*)::int as n from tenants');
  await c.end();
  assert.ok(tables.rows[0].n > 20, 'the schema is on PostgreSQL');
  assert.equal(tenants.rows[0].n, 1, 'the default tenant was written there');

  // A wrong password: the server refuses to start, naming the database with the password masked.
  const bad = new URL(url);
  bad.password = 'Wrong-Pass-123';
  await assert.rejects(spawnServer(dir, ['--database', bad.toString(), '--engine', 'none']), (err: Error) => {
    assert.match(err.message, /cannot connect to PostgreSQL at postgresql:\/\/dockyard:\*\*\*@/);
    assert.ok(!err.message.includes('Wrong-Pass-123') && !err.message.includes(password));
    return true;
  });
});
