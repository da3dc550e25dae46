// Upgrading a single-machine install: the keys it kept in data-dir files are imported into the database once (sealed
// with the master key), so existing credentials keep working; a configured master key file must exist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../../helpers/server.js';

test('an older install imports admin.key, signing-keys.json and the registry keys on first start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dy-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const adminKey = `legacy-admin-${randomBytes(12).toString('hex')}`;
  writeFileSync(join(dir, 'admin.key'), `${adminKey}\n`, { mode: 0o600 });
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const legacyRing = [
    { kid: 'legacy-kid-1', privatePem: pem, createdAt: '2026-01-01T00:00:00.000Z', status: 'active' },
  ];
  writeFileSync(join(dir, 'signing-keys.json'), JSON.stringify(legacyRing), { mode: 0o600 });
  mkdirSync(join(dir, 'keys'), { mode: 0o700 });
  const registrySecret = randomBytes(32).toString('base64');
  writeFileSync(join(dir, 'keys', 'registry-secrets.key'), registrySecret, { mode: 0o600 });

  const s = await startTestServer({}, dir);
  try {
    assert.equal(s.platform.admin.key, adminKey, 'the data-dir admin key is the shared one now');
    assert.equal(s.platform.identity.identity.keys.active.kid, 'legacy-kid-1', 'the signing ring was imported');
    assert.equal(await s.platform.cluster.keys.get('registry.admin-password-key'), registrySecret);
    const rows = await s.platform.db.selectFrom('cluster_keys').select(['name', 'value']).execute();
    assert.ok(rows.length >= 5, JSON.stringify(rows.map((r) => r.name)));
    for (const r of rows) {
      assert.match(String(r.value), /^enc:v1:/, `${r.name} is sealed`);
      assert.ok(!String(r.value).includes(adminKey));
    }
  } finally {
    await s.cleanup();
  }
  // The database is authoritative from now on: a changed file is overwritten with the shared key on start.
  writeFileSync(join(dir, 'admin.key'), 'something-else\n', { mode: 0o600 });
  const again = await startTestServer({}, dir);
  try {
    assert.equal(again.platform.admin.key, adminKey);
    assert.equal(readFileSync(join(dir, 'admin.key'), 'utf8').trim(), adminKey);
  } finally {
    await again.cleanup();
  }
});

test('a configured master key file must exist (no node invents its own)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dy-master-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(
    startTestServer({ secretKeyFile: join(dir, 'missing.key') }, join(dir, 'data')),
    /master key file .* does not exist/,
  );
});
