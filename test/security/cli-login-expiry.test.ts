// Issue 12, item 9: when a stored CLI login expired and could not be renewed, the CLI silently used the admin key from
// the data dir. It now fails and says so; the admin key is used only when no login is stored at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { cliFor } from '../helpers/cli.js';
import { createSp } from '../integration/identity/principals.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.cleanup();
});

test('an expired, unrenewable service-principal login fails loudly instead of acting as admin', async () => {
  const home = join(s.dataDir, 'expiry-cli');
  const cli = cliFor(s.dataDir, { DOCKYARD_CONFIG_DIR: home });
  const sp = await createSp(s, 'expiring');
  const login = await cli(
    'login',
    '--service-principal',
    '-u',
    sp.appId,
    '-p',
    sp.password,
    '--tenant',
    s.platform.tenantId,
  );
  assert.equal(login.code, 0, login.stderr);
  // As the service principal (no roles) creating a group is forbidden.
  const denied = await cli('group', 'create', '-n', 'sprg', '-l', 'eastus');
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /AuthorizationFailed/);

  // The token expires and the secret no longer works (rotated): the refresh fails.
  const file = join(home, 'profile.json');
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(
    file,
    JSON.stringify({
      ...profile,
      expiresOn: Math.floor(Date.now() / 1000) - 60,
      refresh: { ...profile.refresh, secret: 'rotated-away' },
    }),
  );
  const r = await cli('group', 'create', '-n', 'sprg', '-l', 'eastus');
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /CliLoginExpired/);
  assert.match(r.stderr, /expiring|service principal/);
  assert.match(r.stderr, /dockyard login/);
  assert.match(r.stderr, /dockyard logout/);
  assert.equal(
    (await s.api(`/subscriptions/${s.sub}/resourceGroups/sprg?api-version=2022-09-01`)).status,
    404,
    'nothing was done as admin',
  );

  // az acr login-style token exchange and Key Vault calls do not fall back either.
  const acr = await cli('acr', 'login', '-n', 'whatever', '--expose-token');
  assert.equal(acr.code, 1);
  assert.match(acr.stderr, /CliLoginExpired/);

  // Logging out is the explicit way back to the local admin.
  assert.equal((await cli('logout')).code, 0);
  const asAdmin = await cli('group', 'create', '-n', 'sprg', '-l', 'eastus');
  assert.equal(asAdmin.code, 0, asAdmin.stderr);
});

test("a stored login for another server is not silently replaced by this server's admin key", async () => {
  const home = join(s.dataDir, 'other-cli');
  const cli = cliFor(s.dataDir, { DOCKYARD_CONFIG_DIR: home });
  assert.equal((await cli('login')).code, 0);
  const file = join(home, 'profile.json');
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), endpoint: 'http://127.0.0.1:1' }));
  const r = await cli('group', 'list');
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /stored login is for http:\/\/127\.0\.0\.1:1/);
});
