import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { engineOf, openDatabase } from '../../../src/storage/index.js';

test('database: SQLite when unset; a postgres URL from env or flag (flag wins); a SQLite path; other schemes refused', async () => {
  assert.equal(loadConfig({ env: {}, flags: { dataDir: '/tmp/x' } }).database, undefined);
  const env = { DOCKYARD_DATABASE_URL: 'postgres://u:secret-pw@db:5432/dockyard' };
  assert.equal(loadConfig({ env, flags: { dataDir: '/tmp/x' } }).database, env.DOCKYARD_DATABASE_URL);
  assert.equal(
    loadConfig({ env, flags: { dataDir: '/tmp/x', database: 'postgresql://other/db' } }).database,
    'postgresql://other/db',
  );
  for (const path of ['sqlite:///tmp/x.db', '/tmp/shared/dockyard.db'])
    assert.equal(loadConfig({ env: {}, flags: { dataDir: '/tmp/x', database: path } }).database, path);
  for (const bad of ['mysql://u:secret-pw@h/db', 'https://u:secret-pw@h/db'])
    assert.throws(
      () => loadConfig({ env: {}, flags: { dataDir: '/tmp/x', database: bad } }),
      (err: Error) => /database must be a postgres/.test(err.message) && !err.message.includes('secret-pw'),
    );
  const db = await openDatabase({ path: ':memory:' });
  assert.equal(engineOf(db), 'sqlite');
  await db.destroy();
});
