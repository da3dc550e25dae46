import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { writeOciLayout } from './oci-layout.js';

const run = promisify(execFile);

// Needs Debian's `podman` and `runc` (scripts/setup.sh). Flags from docs/runtime.md for this machine.
test(
  'podman pulls from a registry created by `dockyard acr create`, logged in by `dockyard acr login`',
  { timeout: 180_000 },
  async (t) => {
    const s = await startTestServer();
    const work = mkdtempSync(join(tmpdir(), 'dockyard-podman-'));
    t.after(async () => {
      await run('podman', [
        '--root',
        join(work, 'root'),
        '--runroot',
        join(work, 'runroot'),
        'system',
        'reset',
        '--force',
      ]).catch(() => undefined);
      await s.cleanup();
      rmSync(work, { recursive: true, force: true });
    });
    const cli = cliFor(s.dataDir);
    assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
    const login = (
      await cli(
        'acr',
        'create',
        '-g',
        'rg',
        '-n',
        'podmanregistry',
        '--sku',
        'Basic',
        '--query',
        'loginServer',
        '-o',
        'tsv',
      )
    ).stdout.trim();
    const authFile = join(work, 'auth.json');
    writeFileSync(authFile, '{"auths":{}}');
    const env = { ...process.env, REGISTRY_AUTH_FILE: authFile, DOCKER_CONFIG: join(work, 'docker') };
    const lr = await cliFor(s.dataDir, { REGISTRY_AUTH_FILE: authFile })('acr', 'login', '-n', 'podmanregistry');
    assert.equal(lr.code, 0, lr.stderr);
    assert.ok(JSON.parse(readFileSync(authFile, 'utf8')).auths[login], 'acr login wrote the auth file');

    const src = join(work, 'src');
    const { manifestDigest } = await writeOciLayout(src, 'v1', 2, 4096);
    await run(
      'skopeo',
      ['copy', '--dest-tls-verify=false', '--authfile', authFile, `oci:${src}:v1`, `docker://${login}/app/web:v1`],
      { env },
    );

    const podman = (...args: string[]) =>
      run(
        'podman',
        [
          '--root',
          join(work, 'root'),
          '--runroot',
          join(work, 'runroot'),
          '--runtime',
          'runc',
          '--cgroup-manager=cgroupfs',
          '--events-backend=file',
          ...args,
        ],
        { env, timeout: 120_000 },
      );
    writeFileSync(join(work, 'empty.json'), '{"auths":{}}');
    await assert.rejects(
      podman('pull', '--tls-verify=false', '--authfile', join(work, 'empty.json'), `${login}/app/web:v1`),
      'an anonymous pull is refused',
    );
    const pulled = await podman('pull', '--tls-verify=false', `${login}/app/web:v1`);
    assert.match(pulled.stdout, /^[0-9a-f]{64}$/m);
    const digest = (await podman('image', 'inspect', '--format', '{{.Digest}}', `${login}/app/web:v1`)).stdout.trim();
    assert.equal(digest, manifestDigest);
  },
);
