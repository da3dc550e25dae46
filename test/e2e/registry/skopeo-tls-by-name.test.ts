import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../../helpers/server.js';
import { layoutBlobs, writeOciLayout } from './oci-layout.js';

const run = promisify(execFile);
const LOCAL_ADMIN = '00000000-0000-0000-0000-00000000ad01';

// Login servers by name over TLS with real clients: `--manage-hosts` writes /etc/hosts entries (removed on stop) and
// skopeo trusts the local CA through a cert dir holding only ca.crt — no --tls-verify=false anywhere.
test(
  'skopeo pushes to and pulls from <name>.<suffix>:<port> over TLS with the local CA trusted',
  { timeout: 120_000 },
  async (t) => {
    const s = await startTestServer({ loginServerSuffix: 'dockyard-e2e.test', tlsPort: 0, manageHosts: true } as never);
    const work = mkdtempSync(join(tmpdir(), 'dockyard-skopeo-tls-'));
    t.after(async () => {
      await s.cleanup();
      rmSync(work, { recursive: true, force: true });
    });
    await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?api-version=2022-09-01`, {
      method: 'PUT',
      body: { location: 'eastus' },
    });
    const r = await s.api(
      `/subscriptions/${s.sub}/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/tlsregistry?api-version=2025-04-01`,
      {
        method: 'PUT',
        body: { location: 'eastus', sku: { name: 'Premium' } },
      },
    );
    const loginServer = (r.json.loginServer ?? r.json.properties?.loginServer) as string;
    assert.match(loginServer, /^tlsregistry\.dockyard-e2e\.test:\d+$/);
    assert.match(readFileSync('/etc/hosts', 'utf8'), /^127\.0\.0\.1\ttlsregistry\.dockyard-e2e\.test\t# dockyard:/m);

    const certDir = join(work, 'certs');
    mkdirSync(certDir);
    copyFileSync(join(s.dataDir, 'tls', 'ca.crt'), join(certDir, 'ca.crt'));
    const env = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json'), DOCKER_CONFIG: join(work, 'docker') };
    writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const creds = `${LOCAL_ADMIN}:${s.platform.admin.key}`;
    const src = join(work, 'src');
    const { manifestDigest, blobs } = await writeOciLayout(src, 'v1', 2);

    // Without the CA the certificate is not trusted.
    await assert.rejects(
      run('skopeo', ['copy', '--dest-creds', creds, `oci:${src}:v1`, `docker://${loginServer}/team/app:v1`], { env }),
      /certificate|x509/i,
    );
    await run(
      'skopeo',
      [
        'copy',
        '--dest-cert-dir',
        certDir,
        '--dest-creds',
        creds,
        `oci:${src}:v1`,
        `docker://${loginServer}/team/app:v1`,
      ],
      { env },
    );
    const dst = join(work, 'dst');
    await run(
      'skopeo',
      ['copy', '--src-cert-dir', certDir, '--src-creds', creds, `docker://${loginServer}/team/app:v1`, `oci:${dst}:v1`],
      { env },
    );
    const a = layoutBlobs(src);
    const b = layoutBlobs(dst);
    for (const d of [...blobs, manifestDigest]) assert.ok(a.get(d)!.equals(b.get(d)!), `bytes of ${d} round-trip`);

    await s.cleanup();
    assert.doesNotMatch(readFileSync('/etc/hosts', 'utf8'), /dockyard-e2e\.test/, 'hosts entries are removed on stop');
  },
);
