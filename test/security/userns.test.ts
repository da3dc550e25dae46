// Container root is not host root: the private dockerd remaps it (engineUserns=remap, docs/designs/engine-isolation.md).
// Real engine, no skip: CI has docker.io and scripts/setup.sh (which creates dockremap's subordinate ranges).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDockerEngine, subordinateRoot, REMAP_USER, type DockerEngine } from '../../src/tasks/engine/index.js';
import { ensureLibraryImages } from '../../src/tasks/library/index.js';
import { chownTree } from '../../src/tasks/runner/source.js';

function collector(): { onOutput: (t: string) => void; text: () => string } {
  let s = '';
  return { onOutput: (t) => void (s += t), text: () => s };
}

describe('user-namespace remapping of the private dockerd', () => {
  let dir: string;
  let engine: DockerEngine;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dy-userns-'));
    engine = await createDockerEngine({ dataDir: join(dir, 'data') });
    await ensureLibraryImages(engine, { workDir: join(dir, 'data', 'library'), only: ['busybox'] });
  });

  after(async () => {
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("starts remapped by default, onto dockremap's first subordinate ids, with the data root under <uid>.<gid>", async () => {
    const root = await subordinateRoot(REMAP_USER);
    assert.ok(root.uid > 0 && root.gid > 0);
    assert.deepEqual(engine.remapRoot, root);
    assert.equal(engine.remapped, true);
    const info = (await engine.docker.info()) as { SecurityOptions: string[]; DockerRootDir: string };
    assert.ok(
      info.SecurityOptions.some((o) => o.includes('name=userns')),
      info.SecurityOptions.join(','),
    );
    assert.equal(info.DockerRootDir, join(dir, 'data', 'docker', `${root.uid}.${root.gid}`));
  });

  it("a step's root is a non-root host uid: uid_map and the owner of a file written to the bind-mounted workspace", async () => {
    const ws = join(dir, 'ws');
    await mkdir(ws);
    await writeFile(join(ws, 'in.txt'), 'from the host\n');
    await chownTree(ws, engine.remapRoot!); // what the task runner does with a run's workspace
    const out = collector();
    const r = await engine.run({
      name: 'userns-writer',
      image: 'busybox',
      network: 'none',
      mounts: [{ source: ws, target: '/workspace' }],
      onOutput: out.onOutput,
      args: ['sh', '-c', 'id -u; cat /proc/self/uid_map; cat /workspace/in.txt; echo written > /workspace/out.txt'],
    });
    assert.equal(r.exitCode, 0, out.text());
    const [uid, map, echoed] = out
      .text()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).join(' '));
    assert.equal(uid, '0'); // root inside...
    assert.equal(map, `0 ${engine.remapRoot!.uid} 65536`); // ...is the subordinate range outside
    assert.equal(echoed, 'from the host');
    const st = await stat(join(ws, 'out.txt'));
    assert.equal(st.uid, engine.remapRoot!.uid);
    assert.notEqual(st.uid, 0);
    assert.equal(await readFile(join(ws, 'out.txt'), 'utf8'), 'written\n');
  });

  it('cannot write host files owned by root through a bind mount', async () => {
    const ro = join(dir, 'root-owned');
    await mkdir(ro);
    await writeFile(join(ro, 'f.txt'), 'keep\n');
    const out = collector();
    const r = await engine.run({
      name: 'userns-denied',
      image: 'busybox',
      network: 'none',
      mounts: [{ source: ro, target: '/h' }],
      onOutput: out.onOutput,
      args: ['sh', '-c', 'echo changed > /h/f.txt'],
    });
    assert.notEqual(r.exitCode, 0);
    assert.match(out.text(), /Permission denied/);
    assert.equal(await readFile(join(ro, 'f.txt'), 'utf8'), 'keep\n');
  });

  it('build RUN instructions run remapped too (no host network for them on a remapped daemon)', async () => {
    const ctx = join(dir, 'ctx');
    await mkdir(ctx);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN cat /proc/self/uid_map > /map\n');
    const { imageId } = await engine.build({ contextDir: ctx, tags: ['userns/map:1'] });
    const out = collector();
    const r = await engine.run({
      name: 'userns-map',
      image: imageId,
      args: ['cat', '/map'],
      network: 'none',
      onOutput: out.onOutput,
    });
    assert.equal(r.exitCode, 0);
    assert.equal(out.text().trim().split(/\s+/).join(' '), `0 ${engine.remapRoot!.uid} 65536`);
  });

  it('host-network steps opt out of the namespace (Docker refuses host networking otherwise): their root is host root', async () => {
    const out = collector();
    const r = await engine.run({
      name: 'userns-hostnet',
      image: 'busybox',
      args: ['cat', '/proc/self/uid_map'],
      network: 'host',
      onOutput: out.onOutput,
    });
    assert.equal(r.exitCode, 0, out.text());
    assert.equal(out.text().trim().split(/\s+/).join(' '), '0 0 4294967295');
  });

  it('the daemon socket that steps mount is group-owned by the remapped root gid, so remapped steps can use it', async () => {
    const st = await stat(engine.dockerSocketPath);
    assert.equal(st.gid, engine.remapRoot!.gid);
    assert.equal(st.mode & 0o777, 0o660);
  });
});
