import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliFor } from '../../helpers/cli.js';
import { startRegistryHarness, LOCAL_ADMIN } from '../../conformance/registry-harness.js';
import { writeOciLayout } from './oci-layout.js';

const run = promisify(execFile);
const DISALLOWED = /disallowed/i;

// Needs Debian's `skopeo`. `dockyard acr repository update` sets the locks; skopeo meets them.
test(
  'locks with skopeo: a locked tag refuses overwrite and delete, readEnabled=false refuses pull, listEnabled=false hides',
  { timeout: 480_000 },
  async (t) => {
    const h = await startRegistryHarness({ name: 'lockreg' });
    const work = mkdtempSync(join(tmpdir(), 'dockyard-locks-'));
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
    const env = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json'), DOCKER_CONFIG: join(work, 'docker') };
    writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const creds = `${LOCAL_ADMIN}:${h.ts.platform.admin.key}`;
    const one = join(work, 'one');
    const two = join(work, 'two');
    await writeOciLayout(one, 'v1', 1);
    await writeOciLayout(two, 'v1', 2);
    const push = (src: string, ref: string) =>
      run(
        'skopeo',
        ['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${src}:v1`, `docker://${h.loginServer}/${ref}`],
        { env },
      );
    const pull = (ref: string) =>
      run(
        'skopeo',
        [
          'copy',
          '--src-tls-verify=false',
          '--src-creds',
          creds,
          `docker://${h.loginServer}/${ref}`,
          `oci:${join(work, 'pulled')}:x`,
        ],
        { env },
      );
    const del = (ref: string) =>
      run('skopeo', ['delete', '--tls-verify=false', '--creds', creds, `docker://${h.loginServer}/${ref}`], { env });
    const tags = async (repo: string) =>
      JSON.parse(
        (
          await run(
            'skopeo',
            ['list-tags', '--tls-verify=false', '--creds', creds, `docker://${h.loginServer}/${repo}`],
            { env },
          )
        ).stdout,
      ).Tags as string[];

    await push(one, 'app/web:v1');
    await push(one, 'app/web:v2');
    await push(one, 'secret/db:v1');

    const locked = await json(
      'acr',
      'repository',
      'update',
      '-n',
      'lockreg',
      '--image',
      'app/web:v1',
      '--write-enabled',
      'false',
    );
    assert.equal(locked.name, 'v1');
    assert.deepEqual(locked.changeableAttributes, {
      deleteEnabled: true,
      writeEnabled: false,
      readEnabled: true,
      listEnabled: true,
    });
    await assert.rejects(push(two, 'app/web:v1'), (e: Error & { stderr: string }) => DISALLOWED.test(e.stderr));
    await assert.rejects(del('app/web:v1'), (e: Error & { stderr: string }) => DISALLOWED.test(e.stderr));
    await pull('app/web:v1');
    await push(two, 'app/web:v3');

    await json(
      'acr',
      'repository',
      'update',
      '-n',
      'lockreg',
      '--repository',
      'secret/db',
      '--read-enabled',
      'false',
      '--list-enabled',
      'false',
    );
    const shown = await json('acr', 'repository', 'show', '-n', 'lockreg', '--repository', 'secret/db');
    assert.equal(shown.changeableAttributes.readEnabled, false);
    assert.equal(shown.changeableAttributes.listEnabled, false);
    await assert.rejects(pull('secret/db:v1'), (e: Error & { stderr: string }) => DISALLOWED.test(e.stderr));
    assert.deepEqual(await json('acr', 'repository', 'list', '-n', 'lockreg'), ['app/web']);

    await json('acr', 'repository', 'update', '-n', 'lockreg', '--image', 'app/web:v2', '--list-enabled', 'false');
    assert.deepEqual((await tags('app/web')).sort(), ['v1', 'v3']);

    // Unlocked again: overwrite and delete work.
    await json('acr', 'repository', 'update', '-n', 'lockreg', '--image', 'app/web:v1', '--write-enabled', 'true');
    await push(two, 'app/web:v1');
    await del('app/web:v3');
  },
);
