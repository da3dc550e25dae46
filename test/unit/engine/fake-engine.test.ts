import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeEngine } from '../../../src/tasks/engine/index.js';
import { isDockyardError } from '../../../src/shared/index.js';

describe('FakeEngine', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dy-fake-'));
    await writeFile(join(dir, 'Dockerfile'), '# comment\nFROM hello-world\nRUN echo hi\n');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('emulates docker build output deterministically and records the call without secrets', async () => {
    const a = new FakeEngine();
    const b = new FakeEngine();
    let outA = '';
    let outB = '';
    const optsFor = (onOutput: (c: string) => void) => ({
      contextDir: dir,
      tags: ['127.0.0.1:5000/reg/app:1', 'app'],
      buildArgs: { X: '1' },
      pullAuth: { '127.0.0.1:5000': { username: 'u', password: 'p' } },
      onOutput,
    });
    const ra = await a.build(optsFor((c) => (outA += c)));
    const rb = await b.build(optsFor((c) => (outB += c)));
    assert.equal(ra.imageId, rb.imageId);
    assert.equal(outA, outB);
    assert.match(outA, /Step 1\/2 : FROM hello-world\n ---> [0-9a-f]{12}\nStep 2\/2 : RUN echo hi\n/);
    assert.match(outA, /Successfully tagged 127\.0\.0\.1:5000\/reg\/app:1\nSuccessfully tagged app:latest\n$/);
    const recorded = a.callsOf('build')[0] as Record<string, unknown>;
    assert.deepEqual(recorded.pullAuthHosts, ['127.0.0.1:5000']);
    assert.ok(!JSON.stringify(a.calls).includes('"p"'));
    assert.equal((await a.inspectImage('app:latest')).id, ra.imageId);
    const other = await a.build({ contextDir: dir, buildArgs: { X: '2' } });
    assert.notEqual(other.imageId, ra.imageId);
  });

  it('fails a build without a Dockerfile and a push of an unknown image', async () => {
    const e = new FakeEngine();
    await assert.rejects(
      e.build({ contextDir: join(dir, 'nope') }),
      (err: unknown) => isDockyardError(err) && err.code === 'EngineBuildFailed',
    );
    await assert.rejects(
      e.push({ image: '127.0.0.1:5000/x/y:1' }),
      (err: unknown) => isDockyardError(err) && err.code === 'EnginePushFailed',
    );
  });

  it('pushes like docker push and remembers the digest per registry', async () => {
    const e = new FakeEngine();
    await e.tagImage('hello-world', '127.0.0.1:5000/r/hello:v1');
    let out = '';
    const r = await e.push({
      image: '127.0.0.1:5000/r/hello:v1',
      auth: { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' },
      onOutput: (c) => (out += c),
    });
    assert.match(r.digest, /^sha256:[0-9a-f]{64}$/);
    assert.match(
      out,
      /^The push refers to repository \[127\.0\.0\.1:5000\/r\/hello\]\n[0-9a-f]{12}: Preparing\n[0-9a-f]{12}: Pushed\nv1: digest: sha256:[0-9a-f]{64} size: 524\n$/,
    );
    assert.equal(await e.imageDigestFor('127.0.0.1:5000/r/hello:v1', '127.0.0.1:5000'), r.digest);
    assert.equal(await e.imageDigestFor('127.0.0.1:5000/r/hello:v1', 'other:1'), undefined);
    e.failingRegistries.add('127.0.0.1:6000');
    await e.tagImage('hello-world', '127.0.0.1:6000/r/hello:v1');
    await assert.rejects(e.push({ image: '127.0.0.1:6000/r/hello:v1' }), /authentication required/);
  });

  it('runs scripted containers, with timeouts and aborts', async () => {
    const e = new FakeEngine();
    e.onRun('busybox', { stdout: 'hello\n', stderr: 'warn\n', exitCode: 3 });
    e.onRun(/^slow/, { hang: true });
    const chunks: string[] = [];
    const r = await e.run({
      name: 's1',
      image: 'busybox',
      network: 'host',
      onOutput: (c, s) => chunks.push(`${s}:${c}`),
    });
    assert.deepEqual(chunks, ['stdout:hello\n', 'stderr:warn\n']);
    assert.equal(r.exitCode, 3);
    const d = await e.run({ name: 'other', image: 'bash', network: 'none' });
    assert.equal(d.exitCode, 0);
    const t = await e.run({ name: 's2', image: 'slow:1', network: 'none', timeoutMs: 20 });
    assert.deepEqual([t.timedOut, t.exitCode], [true, 137]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 10);
    const a = await e.run({ name: 's3', image: 'slow:1', network: 'none', signal: ac.signal });
    assert.equal(a.aborted, true);
    assert.equal(e.callsOf('run').length, 4);
    await e.run({ name: 'svc1', image: 'busybox', network: 'host', detach: true, labels: { run: 'a' } });
    await e.run({ name: 'svc2', image: 'busybox', network: 'host', detach: true, labels: { run: 'b' } });
    assert.equal(await e.removeContainersByLabel('run', 'a'), 1);
    assert.deepEqual([...e.containers.keys()], ['svc2']);
  });

  it('keeps volume files written and copied', async () => {
    const e = new FakeEngine();
    await assert.rejects(e.writeFilesToVolume('nope', { a: 'b' }));
    await e.createVolume('v');
    await e.writeFilesToVolume('v', { '/a/b.txt': 'x', c: { content: Buffer.from('y'), mode: 0o755 } });
    await mkdir(join(dir, 'tree', 'sub'), { recursive: true });
    await writeFile(join(dir, 'tree', 'sub', 'f'), 'z');
    await e.copyDirToVolume('v', join(dir, 'tree'), '/src/');
    const v = e.volumes.get('v');
    assert.deepEqual([...(v?.keys() ?? [])], ['a/b.txt', 'c', 'src/sub/f']);
    assert.equal(v?.get('src/sub/f')?.toString(), 'z');
    await e.removeVolume('v');
    assert.equal(e.volumes.has('v'), false);
  });
});
