import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFor } from '../../helpers/cli.js';
import { startRegistryHarness } from '../../conformance/registry-harness.js';
import { writeOciLayout } from './oci-layout.js';

const run = promisify(execFile);

// Needs Debian's `skopeo`. The CLI creates the scope map and token; skopeo logs in with the token's passwords.
test(
  'a token limited to app/* pushes app/web with skopeo, is denied elsewhere; disabled, expired and deleted credentials fail',
  { timeout: 480_000 },
  async (t) => {
    const h = await startRegistryHarness({ name: 'tokenreg' });
    const work = mkdtempSync(join(tmpdir(), 'dockyard-tokens-'));
    t.after(async () => {
      await h.cleanup();
      rmSync(work, { recursive: true, force: true });
    });
    const cli = cliFor(h.ts.dataDir);
    const json = async (...args: string[]) => {
      const r = await cli(...args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout ? JSON.parse(r.stdout) : undefined;
    };
    const src = join(work, 'src');
    await writeOciLayout(src, 'v1', 2);
    const env = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json'), DOCKER_CONFIG: join(work, 'docker') };
    writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const push = (creds: string, ref: string) =>
      run(
        'skopeo',
        ['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${src}:v1`, `docker://${h.loginServer}/${ref}`],
        { env },
      );
    const inspect = (creds: string, ref: string) =>
      run('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${h.loginServer}/${ref}`], {
        env,
      });
    const login = (user: string, pass: string) =>
      run('skopeo', ['login', '--tls-verify=false', '-u', user, '-p', pass, h.loginServer], { env });

    const map = await json(
      'acr',
      'scope-map',
      'create',
      '-r',
      'tokenreg',
      '-n',
      'app-ci',
      '--repository',
      'app/*',
      'content/read',
      'content/write',
      '--description',
      'CI pushes app/*',
    );
    assert.deepEqual(map.actions, ['repositories/app/*/content/read', 'repositories/app/*/content/write']);
    assert.equal(map.typePropertiesType, 'UserDefined');
    const token = await json('acr', 'token', 'create', '-r', 'tokenreg', '-n', 'ci-token', '--scope-map', 'app-ci');
    assert.equal(token.status, 'enabled');
    assert.match(token.scopeMapId, /\/scopeMaps\/app-ci$/);
    const [p1, p2] = token.credentials.passwords.map((p: { value: string }) => p.value);
    assert.ok(p1 && p2);

    await login('ci-token', p1);
    await push(`ci-token:${p1}`, 'app/web:v1');
    const manifest = JSON.parse((await inspect(`ci-token:${p2}`, 'app/web:v1')).stdout);
    assert.equal(manifest.layers.length, 2);
    await assert.rejects(push(`ci-token:${p1}`, 'other/x:v1'), (e: Error & { stderr: string }) =>
      /denied|unauthorized/i.test(e.stderr),
    );

    // Disabled: login fails; enabled again: works.
    assert.equal(
      (await json('acr', 'token', 'update', '-r', 'tokenreg', '-n', 'ci-token', '--status', 'disabled')).status,
      'disabled',
    );
    await assert.rejects(login('ci-token', p1));
    await assert.rejects(inspect(`ci-token:${p1}`, 'app/web:v1'));
    await json('acr', 'token', 'update', '-r', 'tokenreg', '-n', 'ci-token', '--status', 'enabled');
    await login('ci-token', p1);

    // An expired password fails; a regenerated one works.
    const expired = await json(
      'acr',
      'token',
      'credential',
      'generate',
      '-r',
      'tokenreg',
      '-n',
      'ci-token',
      '--password1',
      '--expiration',
      '2020-01-01T00:00:00Z',
    );
    assert.equal(expired.passwords.length, 1);
    await assert.rejects(login('ci-token', expired.passwords[0].value));
    const fresh = await json(
      'acr',
      'token',
      'credential',
      'generate',
      '-r',
      'tokenreg',
      '-n',
      'ci-token',
      '--password1',
      '--expiration-in-days',
      '30',
    );
    assert.ok(Date.parse(fresh.passwords[0].expiry) > Date.now() + 29 * 86_400_000);
    await inspect(`ci-token:${fresh.passwords[0].value}`, 'app/web:v1');

    // Show/list hide the values.
    const shown = await json('acr', 'token', 'show', '-r', 'tokenreg', '-n', 'ci-token');
    assert.ok(!JSON.stringify(shown).includes(fresh.passwords[0].value));

    // The scope map in use cannot be deleted; update adds a repository.
    const refused = await cli('acr', 'scope-map', 'delete', '-r', 'tokenreg', '-n', 'app-ci', '-y');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /in use/);
    const updated = await json(
      'acr',
      'scope-map',
      'update',
      '-r',
      'tokenreg',
      '-n',
      'app-ci',
      '--add-repository',
      'other/x',
      'content/write',
      'content/read',
      '--remove-repository',
      'app/*',
      'content/write',
    );
    assert.deepEqual(updated.actions, [
      'repositories/app/*/content/read',
      'repositories/other/x/content/write',
      'repositories/other/x/content/read',
    ]);
    await push(`ci-token:${p2}`, 'other/x:v1');
    await assert.rejects(push(`ci-token:${p2}`, 'app/web:v2'));

    // Deleted: fails.
    await json('acr', 'token', 'delete', '-r', 'tokenreg', '-n', 'ci-token', '-y');
    await assert.rejects(login('ci-token', p2));

    // --repository creates <token>-scope-map; the system maps are listed.
    const quick = await json(
      'acr',
      'token',
      'create',
      '-r',
      'tokenreg',
      '-n',
      'quick-token',
      '--repository',
      'app/web',
      'content/read',
      '--no-passwords',
    );
    assert.match(quick.scopeMapId, /\/scopeMaps\/quick-token-scope-map$/);
    assert.deepEqual(quick.credentials.passwords, []);
    const maps = (await json('acr', 'scope-map', 'list', '-r', 'tokenreg')).map((m: { name: string }) => m.name);
    for (const n of [
      '_repositories_admin',
      '_repositories_pull',
      '_repositories_push',
      'app-ci',
      'quick-token-scope-map',
    ])
      assert.ok(maps.includes(n), n);
    await json('acr', 'token', 'delete', '-r', 'tokenreg', '-n', 'quick-token', '-y');
    await json('acr', 'scope-map', 'delete', '-r', 'tokenreg', '-n', 'app-ci', '-y');

    const help = await cli('acr', 'token', 'create', '--help');
    assert.match(help.stdout, /--scope-map/);
  },
);
