import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliFor } from '../../helpers/cli.js';
import { startRegistryHarness, pushImage, NULL_GUID } from '../../conformance/registry-harness.js';

test(
  'acr login / repository / manifest / credential commands against a real server',
  { timeout: 120_000 },
  async (t) => {
    const h = await startRegistryHarness({ adminUserEnabled: true });
    t.after(() => h.cleanup());
    const auth = `Bearer ${await h.token('repository:web/app:pull,push', 'repository:other:pull,push')}`;
    await pushImage(h, 'web/app', 'v1', auth);
    await new Promise((r) => setTimeout(r, 5));
    const v2 = await pushImage(h, 'web/app', 'v2', auth, [Buffer.from('second')]);
    await pushImage(h, 'other', 'latest', auth);
    const authFile = join(h.ts.dataDir, 'auth.json');
    const cli = cliFor(h.ts.dataDir, { REGISTRY_AUTH_FILE: authFile });

    const login = await cli('acr', 'login', '-n', h.name);
    assert.equal(login.code, 0, login.stderr);
    const entry = JSON.parse(readFileSync(authFile, 'utf8')).auths[h.loginServer];
    const [user, refresh] = Buffer.from(entry.auth, 'base64').toString().split(':');
    assert.equal(user, NULL_GUID);
    // The written refresh token works for the token flow.
    const tr = await fetch(`${h.base}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        service: h.loginServer,
        scope: 'repository:web/app:pull',
        refresh_token: refresh,
      }),
    });
    assert.equal(tr.status, 200);

    const exposed = await cli('acr', 'login', '-n', h.name, '--expose-token');
    assert.equal(exposed.code, 0, exposed.stderr);
    assert.deepEqual(Object.keys(JSON.parse(exposed.stdout)).sort(), ['accessToken', 'loginServer']);

    const list = await cli('acr', 'repository', 'list', '-n', h.name);
    assert.deepEqual(JSON.parse(list.stdout), ['other', 'web/app']);
    const tags = await cli(
      'acr',
      'repository',
      'show-tags',
      '-n',
      h.name,
      '--repository',
      'web/app',
      '--orderby',
      'time_desc',
    );
    assert.deepEqual(JSON.parse(tags.stdout), ['v2', 'v1']);
    const top1 = await cli(
      'acr',
      'repository',
      'show-tags',
      '-n',
      h.name,
      '--repository',
      'web/app',
      '--orderby',
      'time_asc',
      '--top',
      '1',
      '--detail',
    );
    const detail = JSON.parse(top1.stdout);
    assert.equal(detail.length, 1);
    assert.equal(detail[0].name, 'v1');
    const show = JSON.parse((await cli('acr', 'repository', 'show', '-n', h.name, '--repository', 'web/app')).stdout);
    assert.equal(show.manifestCount, 2);
    assert.equal(show.tagCount, 2);
    const manifests = JSON.parse(
      (await cli('acr', 'repository', 'show-manifests', '-n', h.name, '--repository', 'web/app')).stdout,
    );
    assert.equal(manifests.length, 2);
    const meta = JSON.parse((await cli('acr', 'manifest', 'list-metadata', '-r', h.name, '-n', 'web/app')).stdout);
    const m2 = meta.find((m: any) => m.digest === v2.digest);
    assert.deepEqual(m2.tags, ['v2']);
    assert.equal(m2.architecture, 'amd64');

    assert.equal((await cli('acr', 'repository', 'untag', '-n', h.name, '--image', 'web/app:v1')).code, 0);
    assert.deepEqual(
      JSON.parse((await cli('acr', 'repository', 'show-tags', '-n', h.name, '--repository', 'web/app')).stdout),
      ['v2'],
    );
    assert.equal((await cli('acr', 'repository', 'delete', '-n', h.name, '--repository', 'other', '--yes')).code, 0);
    assert.deepEqual(JSON.parse((await cli('acr', 'repository', 'list', '-n', h.name)).stdout), ['web/app']);

    // Admin user credentials: show, renew, and use them on the data plane.
    const creds = JSON.parse((await cli('acr', 'credential', 'show', '-n', h.name)).stdout);
    assert.equal(creds.username, h.name);
    assert.deepEqual(
      creds.passwords.map((p: any) => p.name),
      ['password', 'password2'],
    );
    const basic = (pw: string) => `Basic ${Buffer.from(`${h.name}:${pw}`).toString('base64')}`;
    assert.equal((await h.fetch('/v2/web/app/tags/list', { auth: basic(creds.passwords[0].value) })).status, 200);
    const renewed = JSON.parse(
      (await cli('acr', 'credential', 'renew', '-n', h.name, '--password-name', 'password')).stdout,
    );
    assert.notEqual(renewed.passwords[0].value, creds.passwords[0].value);
    assert.equal(renewed.passwords[1].value, creds.passwords[1].value);
    assert.equal((await h.fetch('/v2/web/app/tags/list', { auth: basic(creds.passwords[0].value) })).status, 401);
    assert.equal((await h.fetch('/v2/web/app/tags/list', { auth: basic(renewed.passwords[0].value) })).status, 200);
  },
);
