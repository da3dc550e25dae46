import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../../helpers/server.js';
import { writeOciLayout } from './oci-layout.js';

const run = promisify(execFile);
const LOCAL_ADMIN = '00000000-0000-0000-0000-00000000ad01';

// Login servers by name over TLS with podman: `--manage-hosts` entries resolve <name>.<suffix>, podman trusts the
// local CA through --cert-dir (a directory holding only ca.crt) and pushes and pulls without --tls-verify=false.
// Needs Debian's `podman` and `runc` (scripts/setup.sh); flags from docs/runtime.md for this machine.
test(
  'podman pushes to and pulls from <name>.<suffix>:<port> over TLS with the local CA trusted',
  { timeout: 240_000 },
  async (t) => {
    const s = await startTestServer({ loginServerSuffix: 'podman-e2e.test', tlsPort: 0, manageHosts: true } as never);
    const work = mkdtempSync(join(tmpdir(), 'dockyard-podman-tls-'));
    const env = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json'), DOCKER_CONFIG: join(work, 'docker') };
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
    t.after(async () => {
      await podman('system', 'reset', '--force').catch(() => undefined);
      await s.cleanup();
      rmSync(work, { recursive: true, force: true });
    });
    await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?api-version=2022-09-01`, {
      method: 'PUT',
      body: { location: 'eastus' },
    });
    const r = await s.api(
      `/subscriptions/${s.sub}/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/podmantls?api-version=2025-04-01`,
      { method: 'PUT', body: { location: 'eastus', sku: { name: 'Premium' } } },
    );
    const loginServer = (r.json.loginServer ?? r.json.properties?.loginServer) as string;
    assert.match(loginServer, /^podmantls\.podman-e2e\.test:\d+$/);
    assert.match(readFileSync('/etc/hosts', 'utf8'), /^127\.0\.0\.1\tpodmantls\.podman-e2e\.test\t# dockyard:/m);

    const certDir = join(work, 'certs');
    mkdirSync(certDir);
    copyFileSync(join(s.dataDir, 'tls', 'ca.crt'), join(certDir, 'ca.crt'));
    writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const creds = `${LOCAL_ADMIN}:${s.platform.admin.key}`;
    const src = join(work, 'src');
    const { manifestDigest } = await writeOciLayout(src, 'v1', 2, 4096);
    await run(
      'skopeo',
      [
        'copy',
        '--dest-cert-dir',
        certDir,
        '--dest-creds',
        creds,
        `oci:${src}:v1`,
        `docker://${loginServer}/app/web:v1`,
      ],
      { env },
    );

    await assert.rejects(
      podman('pull', '--creds', creds, `${loginServer}/app/web:v1`),
      /certificate|x509/i,
      'the CA is needed',
    );
    await podman('login', '--cert-dir', certDir, '-u', LOCAL_ADMIN, '-p', s.platform.admin.key, loginServer);
    const pulled = await podman('pull', '--cert-dir', certDir, `${loginServer}/app/web:v1`);
    assert.match(pulled.stdout, /^[0-9a-f]{64}$/m);
    assert.equal(
      (await podman('image', 'inspect', '--format', '{{.Digest}}', `${loginServer}/app/web:v1`)).stdout.trim(),
      manifestDigest,
    );

    await podman('tag', `${loginServer}/app/web:v1`, `${loginServer}/app/copy:v2`);
    await podman('push', '--cert-dir', certDir, `${loginServer}/app/copy:v2`);
    const { stdout } = await run(
      'skopeo',
      [
        'inspect',
        '--cert-dir',
        certDir,
        '--creds',
        creds,
        '--format',
        '{{.Name}} {{.RepoTags}}',
        `docker://${loginServer}/app/copy:v2`,
      ],
      { env },
    );
    assert.equal(stdout.trim(), `${loginServer}/app/copy [v2]`, 'the image podman pushed is there');
  },
);
