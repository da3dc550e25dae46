import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDockerEngine, pingSocket, startDockerd } from '../../../src/tasks/engine/index.js';
import { mountsUnder, pidsReferencing } from '../../../src/tasks/engine/host-mounts.js';
import { startEngineWithLibrary } from '../../../src/tasks/library/index.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('private dockerd manager', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'dy-dockerd-'));
    dirs.push(d);
    return d;
  };

  it('runs several daemons at once and leaves no process, mount or exec root behind', async (t) => {
    const [a, b] = await Promise.all([
      startDockerd({ dataDir: await tempDir() }),
      startDockerd({ dataDir: await tempDir() }),
    ]);
    t.diagnostic(
      `dockerd start ms: ${a.startMs}, ${b.startMs} (concurrently); drivers ${a.storageDriver}/${b.storageDriver}`,
    );
    try {
      assert.notEqual(a.socketPath, b.socketPath);
      assert.ok(Buffer.byteLength(a.socketPath) < 108);
      assert.equal(await pingSocket(a.socketPath), true);
      assert.equal(await pingSocket(b.socketPath), true);
      // Each engine sees its own daemon.
      const ea = await createDockerEngine({ dockerHost: `unix://${a.socketPath}` });
      const eb = await createDockerEngine({ dockerHost: `unix://${b.socketPath}` });
      await ea.createVolume('only-in-a');
      const volsB = await eb.docker.listVolumes();
      assert.ok(!(volsB.Volumes ?? []).some((v) => v.Name === 'only-in-a'));
      // Closing an engine that reuses a daemon does not stop that daemon.
      await ea.close();
      await eb.close();
      assert.equal(await pingSocket(a.socketPath), true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (const h of [a, b]) {
      assert.equal(alive(h.pid), false);
      assert.deepEqual(await mountsUnder([h.execRoot, h.dataRoot]), []);
      assert.deepEqual(await pidsReferencing(h.execRoot), []);
      assert.equal(existsSync(h.execRoot), false);
      assert.equal(await pingSocket(h.socketPath), false);
    }
  });

  it('reaps a daemon a crashed Dockyard left running on the same data dir', async () => {
    const dataDir = await tempDir();
    const first = await startDockerd({ dataDir });
    // Simulate a crash of the owner: the daemon keeps running, nobody calls stop().
    const second = await startDockerd({ dataDir });
    try {
      assert.notEqual(second.pid, first.pid);
      assert.equal(alive(first.pid), false);
      assert.equal(await pingSocket(second.socketPath), true);
      // The daemon's identity key lives in the data dir (never /etc/docker/key.json).
      assert.equal(existsSync(join(dataDir, 'dockerd-key.json')), true);
    } finally {
      await second.stop();
    }
    assert.deepEqual(await pidsReferencing(second.execRoot), []);
  });

  it('bootstraps an engine with chosen library images in one call', async () => {
    const logs: string[] = [];
    const { engine, library } = await startEngineWithLibrary({
      dataDir: await tempDir(),
      library: ['hello-world'],
      onLog: (l) => logs.push(l),
    });
    try {
      assert.deepEqual(
        library.map((r) => r.name),
        ['hello-world'],
      );
      assert.equal((await engine.inspectImage('hello-world')).exists, true);
      assert.equal((await engine.inspectImage('busybox')).exists, false);
      assert.match(logs[0], /^Started private dockerd \(pid \d+, (overlay2|vfs), userns-remap\)/);
    } finally {
      await engine.close();
    }
  });

  it('uses vfs when asked to', async () => {
    const h = await startDockerd({ dataDir: await tempDir(), storageDriver: 'vfs' });
    try {
      const e = await createDockerEngine({ dockerHost: h.socketPath });
      assert.equal((await e.docker.info()).Driver, 'vfs');
    } finally {
      await h.stop();
    }
  });

  it('reports a daemon that cannot start, with its log, and leaves no exec root', async () => {
    const dataDir = await tempDir();
    const execRoot = join(dataDir, 'x');
    await assert.rejects(
      startDockerd({ dataDir, execRoot, dockerdPath: '/bin/false' }),
      /EngineUnavailable|dockerd exited/,
    );
    assert.equal(existsSync(execRoot), false);
  });

  it('fails clearly when no daemon answers on a docker host', async () => {
    await assert.rejects(
      createDockerEngine({ dockerHost: 'unix:///nonexistent/docker.sock' }),
      /no docker daemon answers/,
    );
  });
});
