import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistryHarness, NULL_GUID } from '../../conformance/registry-harness.js';

const pexec = promisify(execFile);

// Needs Debian's docker.io (dockerd + /usr/bin/docker); runs a private daemon under a temp dir (root required).
test(
  'docker login (null GUID + refresh token), push and pull through the token flow',
  { timeout: 240_000 },
  async (t) => {
    const d = mkdtempSync(join(tmpdir(), 'dockyard-docker-'));
    const sock = join(d, 'docker.sock');
    const dockerd = spawn(
      'dockerd',
      [
        '--data-root',
        join(d, 'root'),
        '--exec-root',
        join(d, 'exec'),
        '--pidfile',
        join(d, 'pid'),
        '-H',
        `unix://${sock}`,
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
        '--storage-driver=overlay2',
      ],
      { stdio: 'ignore' },
    );
    const h = await startRegistryHarness();
    t.after(async () => {
      await h.cleanup();
      dockerd.kill('SIGTERM');
      await new Promise((r) => (dockerd.exitCode !== null ? r(null) : dockerd.once('exit', r)));
      try {
        execFileSync('umount', [join(d, 'exec', 'netns', 'default')], { stdio: 'ignore' });
      } catch {
        /* not mounted */
      }
      rmSync(d, { recursive: true, force: true });
    });
    const env = { ...process.env, DOCKER_HOST: `unix://${sock}`, DOCKER_CONFIG: join(d, 'cfg') };
    const docker = async (...a: string[]) => (await pexec('/usr/bin/docker', a, { env })).stdout;
    for (let i = 0; i < 100; i++) {
      if (
        existsSync(sock) &&
        (await docker('version').then(
          () => true,
          () => false,
        ))
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const rt = (
      (await (
        await fetch(`${h.base}/oauth2/token?service=${h.loginServer}&offline_token=true`, {
          headers: { authorization: h.adminBasic },
        })
      ).json()) as any
    ).refresh_token;
    assert.match(await docker('login', '-u', NULL_GUID, '-p', rt, h.loginServer), /Login Succeeded/);
    writeFileSync(join(d, 'f.txt'), 'hello from dockyard');
    execFileSync('tar', ['-cf', join(d, 'rootfs.tar'), '-C', d, 'f.txt']);
    const ref = `${h.loginServer}/team/hello:v1`;
    await docker('import', join(d, 'rootfs.tar'), ref);
    const pushed = /digest: (sha256:[a-f0-9]{64})/.exec(await docker('push', ref))![1];
    await docker('rmi', ref);
    const pulled = await docker('pull', ref);
    assert.match(pulled, new RegExp(`Digest: ${pushed}`));
    const tags = await h.fetch('/v2/team/hello/tags/list', {
      auth: `Bearer ${await h.token('repository:team/hello:pull')}`,
    });
    assert.deepEqual(((await tags.json()) as any).tags, ['v1']);

    // A token (tokens and scope maps): docker login with its name and password; its map allows app/* only.
    const regPath = `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/${h.name}`;
    const V = 'api-version=2020-11-01-preview';
    await h.ts.api(`${regPath}/scopeMaps/app-push?${V}`, {
      method: 'PUT',
      body: { properties: { actions: ['repositories/app/*/content/read', 'repositories/app/*/content/write'] } },
    });
    const tok = await h.ts.api(`${regPath}/tokens/ci-docker?${V}`, {
      method: 'PUT',
      body: { properties: { scopeMapId: `${regPath}/scopeMaps/app-push`, status: 'enabled' } },
    });
    const pw = (
      await h.ts.api(`${regPath}/generateCredentials?${V}`, { method: 'POST', body: { tokenId: tok.json.id } })
    ).json.passwords[0].value as string;
    await docker('logout', h.loginServer);
    assert.match(await docker('login', '-u', 'ci-docker', '-p', pw, h.loginServer), /Login Succeeded/);
    await docker('tag', ref, `${h.loginServer}/app/web:v1`);
    assert.match(await docker('push', `${h.loginServer}/app/web:v1`), /digest: sha256:/);
    await docker('tag', ref, `${h.loginServer}/other/x:v1`);
    await assert.rejects(docker('push', `${h.loginServer}/other/x:v1`), /denied|unauthorized/i);
    await h.ts.api(`${regPath}/tokens/ci-docker?${V}`, {
      method: 'PATCH',
      body: { properties: { status: 'disabled' } },
    });
    await docker('logout', h.loginServer);
    await assert.rejects(docker('login', '-u', 'ci-docker', '-p', pw, h.loginServer), /unauthorized|401/i);
  },
);
