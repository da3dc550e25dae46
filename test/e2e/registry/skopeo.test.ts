import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { startRegistryHarness, LOCAL_ADMIN, NULL_GUID } from '../../conformance/registry-harness.js';
import { layoutBlobs, writeOciLayout } from './oci-layout.js';

const run = promisify(execFile);

// Needs Debian's `skopeo` (apt-get install -y skopeo).
test(
  'skopeo copies a multi-layer image in and out with auth; digests round-trip byte for byte',
  { timeout: 120_000 },
  async (t) => {
    const h = await startRegistryHarness();
    const work = mkdtempSync(join(tmpdir(), 'dockyard-skopeo-'));
    t.after(async () => {
      await h.cleanup();
      rmSync(work, { recursive: true, force: true });
    });
    const src = join(work, 'src');
    const { manifestDigest, blobs } = await writeOciLayout(src, 'v1', 3);
    const env = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json'), DOCKER_CONFIG: join(work, 'docker') };
    writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const creds = `${LOCAL_ADMIN}:${h.ts.platform.admin.key}`;

    // Without credentials the push is refused.
    await assert.rejects(
      run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${src}:v1`, `docker://${h.loginServer}/team/app:v1`], {
        env,
      }),
    );

    await run(
      'skopeo',
      [
        'copy',
        '--dest-tls-verify=false',
        '--dest-creds',
        creds,
        `oci:${src}:v1`,
        `docker://${h.loginServer}/team/app:v1`,
      ],
      { env },
    );
    const inspect = JSON.parse(
      (
        await run(
          'skopeo',
          ['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${h.loginServer}/team/app:v1`],
          { env },
        )
      ).stdout,
    );
    assert.equal(inspect.layers.length, 3);
    const raw = (
      await run(
        'skopeo',
        ['inspect', '--raw', '--tls-verify=false', '--creds', creds, `docker://${h.loginServer}/team/app:v1`],
        { env, encoding: 'buffer' },
      )
    ).stdout as Buffer;
    assert.equal(`sha256:${createHash('sha256').update(raw).digest('hex')}`, manifestDigest);

    // Pull back with a refresh token (null-GUID convention) obtained from /oauth2/token?offline_token=true.
    const tr = await fetch(`${h.base}/oauth2/token?service=${h.loginServer}&offline_token=true`, {
      headers: { authorization: h.adminBasic },
    });
    const { refresh_token } = (await tr.json()) as { refresh_token: string };
    const dst = join(work, 'dst');
    await run(
      'skopeo',
      [
        'copy',
        '--src-tls-verify=false',
        '--src-creds',
        `${NULL_GUID}:${refresh_token}`,
        `docker://${h.loginServer}/team/app:v1`,
        `oci:${dst}:v1`,
      ],
      { env },
    );
    const a = layoutBlobs(src);
    const b = layoutBlobs(dst);
    for (const d of [...blobs, manifestDigest]) {
      assert.ok(b.has(d), `pulled layout has ${d}`);
      assert.ok(a.get(d)!.equals(b.get(d)!), `bytes of ${d} round-trip`);
    }
  },
);
