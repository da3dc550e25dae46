import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDockerEngine, type DockerEngine } from '../../../src/tasks/engine/index.js';
import { ensureLibraryImages } from '../../../src/tasks/library/index.js';
import { isDockyardError } from '../../../src/shared/index.js';
import { collector, startRegistry, type TestRegistry } from './helpers.js';

describe('DockerEngine on a private dockerd', () => {
  let dir: string;
  let engine: DockerEngine;
  let registry: TestRegistry;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dy-engine-'));
    [engine, registry] = await Promise.all([createDockerEngine({ dataDir: join(dir, 'data') }), startRegistry()]);
    await ensureLibraryImages(engine, {
      workDir: join(dir, 'data', 'library'),
      only: ['busybox', 'hello-world', 'docker'],
    });
  });

  after(async () => {
    await engine?.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('builds FROM hello-world with the classic builder and prints docker build output', async () => {
    const ctx = join(dir, 'ctx-hello');
    await mkdir(ctx);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM hello-world\n');
    const out = collector();
    const { imageId } = await engine.build({
      contextDir: ctx,
      tags: ['example/hello:v1', 'example/hello:v2'],
      onOutput: out.onOutput,
    });
    assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
    const text = out.text();
    assert.match(text, /^Sending build context to Docker daemon {2}\d+(\.\d+)?kB\n/);
    assert.match(text, /Step 1\/1 : FROM hello-world\n ---> [0-9a-f]{12}\n/);
    assert.match(text, new RegExp(`Successfully built ${imageId.slice(7, 19)}\n`));
    assert.match(text, /Successfully tagged example\/hello:v1\nSuccessfully tagged example\/hello:v2\n/);
    const hello = await engine.inspectImage('hello-world');
    assert.equal((await engine.inspectImage('example/hello:v2')).id, hello.id);
  });

  it('builds with args, target, .dockerignore and a Dockerfile outside the context; reports RUN failures', async () => {
    const ctx = join(dir, 'ctx-args');
    await mkdir(ctx);
    await writeFile(join(ctx, 'keep.txt'), 'kept');
    await writeFile(join(ctx, 'secret.txt'), 'must not be sent');
    await writeFile(join(ctx, '.dockerignore'), 'secret.txt\n');
    const df = join(dir, 'outside.Dockerfile');
    await writeFile(
      df,
      [
        'FROM busybox AS base',
        'ARG GREETING=none',
        'COPY . /src',
        'RUN echo "$GREETING" > /greeting && test ! -e /src/secret.txt && test -e /src/keep.txt',
        'FROM base AS final',
        'RUN exit 3',
        '',
      ].join('\n'),
    );
    const out = collector();
    const { imageId } = await engine.build({
      contextDir: ctx,
      dockerfile: df,
      target: 'base',
      buildArgs: { GREETING: 'hi-there' },
      tags: ['example/args:1'],
      noCache: true,
      onOutput: out.onOutput,
    });
    assert.match(out.text(), /Step 4\/4 : RUN echo/);
    const run = collector();
    const r = await engine.run({
      name: 'read-greeting',
      image: imageId,
      args: ['cat', '/greeting'],
      network: 'none',
      onOutput: run.onOutput,
    });
    assert.equal(r.exitCode, 0);
    assert.equal(run.text(), 'hi-there\n');

    const failed = collector();
    await assert.rejects(
      engine.build({ contextDir: ctx, dockerfile: df, onOutput: failed.onOutput }),
      (err: unknown) => {
        assert.ok(isDockyardError(err));
        assert.equal(err.code, 'EngineBuildFailed');
        assert.match(err.message, /returned a non-zero code: 3/);
        return true;
      },
    );
    assert.match(failed.text(), /Step 6\/6 : RUN exit 3/);
  });

  it('cancels a running build on abort and leaves no build container behind', async () => {
    const ctx = join(dir, 'ctx-slow');
    await mkdir(ctx);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN sleep 30\n');
    const ac = new AbortController();
    const out = collector();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 800);
    await assert.rejects(
      engine.build({ contextDir: ctx, noCache: true, signal: ac.signal, onOutput: out.onOutput }),
      /cancelled/,
    );
    assert.ok(Date.now() - t0 < 5000);
    assert.match(out.text(), /Step 2\/2 : RUN sleep 30/);
    for (let i = 0; i < 50; i++) {
      const running = await engine.docker.listContainers({ all: true });
      if (running.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(await engine.docker.listContainers({ all: true }), []);
  });

  it('runs busybox with env, workdir, user, bind and volume mounts, separating stdout and stderr', async () => {
    const host = join(dir, 'bind');
    await mkdir(host);
    await writeFile(join(host, 'in.txt'), 'from-host');
    await engine.createVolume('dy-test-vol');
    const chunks: { s?: string; c: string }[] = [];
    const t0 = Date.now();
    const r = await engine.run({
      name: 'env-check',
      image: 'busybox',
      args: [
        'sh',
        '-c',
        'echo "$FOO|$(pwd)|$(id -u):$(id -g)|$(cat /in/in.txt)"; echo oops >&2; touch /in/x 2>/dev/null || echo ro; echo v > /vol/f; exit 7',
      ],
      env: { FOO: 'bar baz' },
      workdir: '/work/dir',
      user: '65534:65534',
      network: 'none',
      mounts: [
        { source: host, target: '/in', readOnly: true },
        { source: 'dy-test-vol', target: '/vol' },
      ],
      onOutput: (c, s) => chunks.push({ s, c }),
    });
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal(r.exitCode, 7);
    assert.equal(r.timedOut, false);
    const stdout = chunks
      .filter((x) => x.s === 'stdout')
      .map((x) => x.c)
      .join('');
    const stderr = chunks
      .filter((x) => x.s === 'stderr')
      .map((x) => x.c)
      .join('');
    // The volume root is owned by root, so user 65534 cannot write it: the shell reports that on stderr.
    assert.match(stdout, /^bar baz\|\/work\/dir\|65534:65534\|from-host\nro\n$/);
    assert.match(stderr, /oops\n/);
    assert.match(stderr, /can't create \/vol\/f/);
    await assert.rejects(engine.docker.getContainer('env-check').inspect(), /no such container/i);
    await engine.removeVolume('dy-test-vol');
  });

  it('kills and removes a container on timeout and on abort', async () => {
    const t0 = Date.now();
    const r = await engine.run({
      name: 'sleeper',
      image: 'busybox',
      args: ['sleep', '30'],
      network: 'none',
      timeoutMs: 700,
    });
    const elapsed = Date.now() - t0;
    assert.equal(r.timedOut, true);
    assert.equal(r.exitCode, 137);
    assert.ok(elapsed >= 600 && elapsed < 10_000, `elapsed ${elapsed}`);
    await assert.rejects(engine.docker.getContainer('sleeper').inspect(), /no such container/i);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 400);
    const a = await engine.run({
      name: 'aborted',
      image: 'busybox',
      args: ['sleep', '30'],
      network: 'none',
      signal: ac.signal,
    });
    assert.equal(a.aborted, true);
    assert.equal(a.timedOut, false);
    await assert.rejects(engine.docker.getContainer('aborted').inspect(), /no such container/i);

    // An abort that lands while the container is still being created/started is honoured too.
    const early = new AbortController();
    const t1 = Date.now();
    const pending = engine.run({
      name: 'aborted-early',
      image: 'busybox',
      args: ['sleep', '30'],
      network: 'none',
      signal: early.signal,
    });
    early.abort();
    const e = await pending;
    assert.equal(e.aborted, true);
    assert.ok(Date.now() - t1 < 10_000);
    await assert.rejects(engine.docker.getContainer('aborted-early').inspect(), /no such container/i);
  });

  it('shares a volume between runs, seeded with writeFilesToVolume and copyDirToVolume', async () => {
    await engine.createVolume('dy-shared');
    await engine.writeFilesToVolume('dy-shared', {
      'a/b.txt': 'seeded',
      'run.sh': { content: 'echo script-ran\n', mode: 0o755 },
    });
    const src = join(dir, 'src-tree');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'sub', 'c.txt'), 'copied');
    await engine.copyDirToVolume('dy-shared', src, 'checkout');
    const mounts = [{ source: 'dy-shared', target: '/workspace' }];
    const w = await engine.run({
      name: 'writer',
      image: 'busybox',
      args: ['sh', '-c', 'echo step1 > /workspace/out.txt'],
      network: 'none',
      mounts,
    });
    assert.equal(w.exitCode, 0);
    const out = collector();
    const r = await engine.run({
      name: 'reader',
      image: 'busybox',
      network: 'none',
      mounts,
      workdir: '/workspace',
      onOutput: out.onOutput,
      args: ['sh', '-c', 'cat out.txt a/b.txt; echo; cat checkout/sub/c.txt; echo; ./run.sh'],
    });
    assert.equal(r.exitCode, 0);
    assert.equal(out.text(), 'step1\nseeded\ncopied\nscript-ran\n');
    await engine.removeVolume('dy-shared');
    await engine.removeVolume('dy-shared');
  });

  it('pushes to a registry on 127.0.0.1 with basic auth, pulls back and builds FROM it with pullAuth', async () => {
    const ref = `${registry.host}/test/hello:v1`;
    await engine.tagImage('hello-world', ref);
    const bad = collector();
    await assert.rejects(
      engine.push({
        image: ref,
        auth: { username: registry.username, password: 'wrong', serveraddress: registry.host },
        onOutput: bad.onOutput,
      }),
      (err: unknown) =>
        isDockyardError(err) &&
        err.code === 'EnginePushFailed' &&
        /unauthorized|authentication required/i.test(err.message),
    );
    const auth = { username: registry.username, password: registry.password, serveraddress: registry.host };
    const out = collector();
    const pushed = await engine.push({ image: ref, auth, onOutput: out.onOutput });
    assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(pushed.size > 0);
    assert.match(out.text(), new RegExp(`^The push refers to repository \\[${registry.host}/test/hello\\]\n`));
    assert.match(out.text(), /[0-9a-f]{12}: Pushed\n/);
    assert.ok(out.text().includes(`v1: digest: ${pushed.digest} size: ${pushed.size}\n`));
    assert.equal(await engine.imageDigestFor(ref, registry.host), pushed.digest);
    // The manifest is really in the registry.
    const basic = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const head = await fetch(`http://${registry.host}/v2/test/hello/manifests/v1`, {
      method: 'HEAD',
      headers: { authorization: `Basic ${basic}`, accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(head.headers.get('docker-content-digest'), pushed.digest);

    await engine.removeImage(ref);
    assert.equal((await engine.inspectImage(ref)).exists, false);
    const pulled = await engine.pull({ image: ref, auth });
    assert.equal(pulled.imageId, (await engine.inspectImage('hello-world')).id);

    await engine.removeImage(ref);
    const ran = collector();
    const r = await engine.run({
      name: 'run-remote',
      image: ref,
      network: 'none',
      pullAuth: auth,
      onOutput: ran.onOutput,
    });
    assert.equal(r.exitCode, 0, ran.text());
    assert.match(ran.text(), /Unable to find image .* locally[\s\S]*Hello from Docker!/);
    await engine.removeImage(ref);
    const ctx = join(dir, 'ctx-remote');
    await mkdir(ctx);
    await writeFile(join(ctx, 'Dockerfile'), `FROM ${ref}\nLABEL from=remote\n`);
    await assert.rejects(
      engine.build({ contextDir: ctx }),
      (err: unknown) => isDockyardError(err) && err.code === 'EngineBuildFailed',
    );
    const built = collector();
    await engine.build({
      contextDir: ctx,
      tags: ['example/remote:1'],
      pullAuth: { [registry.host]: { username: registry.username, password: registry.password } },
      onOutput: built.onOutput,
    });
    assert.match(built.text(), new RegExp(`Step 1/2 : FROM ${ref}\n`));
    assert.equal((await engine.inspectImage('example/remote:1')).labels.from, 'remote');
  });

  it('lets a step drive the daemon through the mounted socket (docker login + build + push inside a container)', async () => {
    await engine.createVolume('dy-ws');
    await engine.writeFilesToVolume('dy-ws', { 'app/Dockerfile': 'FROM busybox\nRUN echo inner > /inner\n' });
    const out = collector();
    const ref = `${registry.host}/test/inner:1`;
    const r = await engine.run({
      name: 'docker-step',
      image: 'docker',
      entrypoint: 'sh',
      args: [
        '-c',
        `echo "$PW" | docker login -u ${registry.username} --password-stdin ${registry.host} && docker build -t ${ref} /workspace/app && docker push ${ref}`,
      ],
      env: { PW: registry.password, HOME: '/acb/home' },
      network: 'host',
      mounts: [
        { source: 'dy-ws', target: '/workspace' },
        { source: engine.dockerSocketPath, target: '/var/run/docker.sock' },
      ],
      onOutput: out.onOutput,
    });
    assert.equal(r.exitCode, 0, out.text());
    assert.match(out.text(), /Login Succeeded/);
    assert.match(out.text(), /Successfully tagged/);
    assert.match(out.text(), /1: digest: sha256:[0-9a-f]{64}/);
    assert.equal((await engine.inspectImage(ref)).exists, true);
    await engine.removeVolume('dy-ws');
  });

  it('starts detached containers and removes them by name; reports a missing command like docker run', async () => {
    const d = await engine.run({ name: 'svc', image: 'busybox', args: ['sleep', '60'], network: 'host', detach: true });
    assert.equal(d.exitCode, 0);
    assert.equal((await engine.docker.getContainer('svc').inspect()).State.Running, true);
    await engine.removeContainer('svc', true);
    await assert.rejects(engine.docker.getContainer('svc').inspect(), /no such container/i);
    await engine.removeContainer('svc', true);
    const labels = { 'dockyard.run': 'r-1' };
    await engine.run({ name: 'svc-a', image: 'busybox', args: ['sleep', '60'], network: 'none', detach: true, labels });
    await engine.run({ name: 'svc-b', image: 'busybox', args: ['true'], network: 'none', keep: true, labels });
    await engine.run({
      name: 'svc-c',
      image: 'busybox',
      args: ['sleep', '60'],
      network: 'none',
      detach: true,
      labels: { 'dockyard.run': 'r-2' },
    });
    assert.equal(await engine.removeContainersByLabel('dockyard.run', 'r-1'), 2);
    await assert.rejects(engine.docker.getContainer('svc-b').inspect(), /no such container/i);
    assert.equal((await engine.docker.getContainer('svc-c').inspect()).State.Running, true);
    await engine.removeContainer('svc-c');

    const out = collector();
    const r = await engine.run({
      name: 'nocmd',
      image: 'busybox',
      args: ['/no/such/binary'],
      network: 'none',
      onOutput: out.onOutput,
    });
    assert.equal(r.exitCode, 127);
    assert.match(out.text(), /no such file or directory/);
    const missing = await engine.run({
      name: 'noimage',
      image: 'no-such-image-here:1',
      network: 'none',
      onOutput: out.onOutput,
    });
    assert.equal(missing.exitCode, 125);
  });
});
