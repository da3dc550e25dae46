import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { createDockerEngine, type DockerEngine } from '../../../src/tasks/engine/index.js';
import {
  ensureLibraryImages,
  exportLibraryImage,
  LIBRARY_IMAGES,
  pushLibraryImage,
  type LibraryImageResult,
} from '../../../src/tasks/library/index.js';
import { collector, startRegistry, type TestRegistry } from './helpers.js';

async function tarEntries(path: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (h, s, next) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: unknown) => {
      if (Buffer.isBuffer(c) && h.size !== undefined && h.size < 100_000) chunks.push(c);
    });
    s.on('end', () => {
      out.set(h.name, Buffer.concat(chunks));
      next();
    });
  });
  const done = new Promise<void>((res, rej) => {
    extract.on('finish', () => res());
    extract.on('error', rej);
  });
  createReadStream(path).pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return out;
}

describe('offline base-image library', () => {
  let dir: string;
  let engine: DockerEngine;
  let registry: TestRegistry;
  let first: LibraryImageResult[];
  const workDir = (): string => join(dir, 'data', 'library');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dy-lib-'));
    [engine, registry] = await Promise.all([createDockerEngine({ dataDir: join(dir, 'data') }), startRegistry()]);
    first = await ensureLibraryImages(engine, { workDir: workDir() });
  });

  after(async () => {
    await engine?.close();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates every library image with the expected configuration', async (t) => {
    assert.deepEqual(
      first.map((r) => [r.ref, r.skipped]),
      LIBRARY_IMAGES.map((n) => [`${n}:latest`, false]),
    );
    t.diagnostic(`first creation ms: ${first.map((r) => `${r.name}=${r.ms}`).join(' ')}`);
    for (const r of first) {
      const info = await engine.inspectImage(r.ref);
      assert.equal(info.id, r.imageId, r.ref);
    }
    const docker = await engine.docker.getImage('docker:latest').inspect();
    assert.deepEqual(docker.Config.Entrypoint, ['docker-entrypoint.sh']);
    const cli = await engine.docker.getImage('dockyard/cli:latest').inspect();
    assert.deepEqual(cli.Config.Entrypoint, ['/usr/local/bin/node', '/app/bin/dockyard.js']);
    assert.ok(cli.Config.Env?.includes('NODE_ENV=production'));
  });

  it('runs hello-world, bash, busybox, docker and dockyard/cli', async () => {
    const run = async (image: string, args?: string[], extra: Partial<Parameters<DockerEngine['run']>[0]> = {}) => {
      const out = collector();
      const r = await engine.run({
        name: `lib-${image.replace(/\W/g, '-')}`,
        image,
        args,
        network: 'none',
        onOutput: out.onOutput,
        ...extra,
      });
      return { code: r.exitCode, text: out.text() };
    };
    const hello = await run('hello-world');
    assert.equal(hello.code, 0);
    assert.match(hello.text, /Hello from Docker!/);
    const bash = await run('bash', ['-c', 'echo "bash $BASH_VERSION"; ls /bin/sh']);
    assert.equal(bash.code, 0, bash.text);
    assert.match(bash.text, /^bash 5\.\d/);
    const bb = await run('busybox', ['sh', '-c', 'wget --help 2>&1 | head -1; env | grep PATH']);
    assert.match(bb.text, /PATH=\/usr\/local\/sbin/);
    const sock = [{ source: engine.dockerSocketPath, target: '/var/run/docker.sock' }];
    const dockerVersion = await run('docker', ['version', '--format', '{{.Server.Version}}'], { mounts: sock });
    assert.equal(dockerVersion.code, 0, dockerVersion.text);
    assert.match(dockerVersion.text, /^20\.10\./);
    const dockerSh = await run(
      'docker',
      ['sh', '-c', 'docker images --format "{{.Repository}}" | sort | tr "\\n" " "'],
      { mounts: sock },
    );
    assert.match(dockerSh.text, /busybox .*hello-world/);
    const cli = await run('dockyard/cli', ['--help'], { env: { HOME: '/tmp' } });
    assert.equal(cli.code, 0, cli.text);
    assert.match(cli.text, /Usage: dockyard/);
  });

  it('skips unchanged images on a second start and rebuilds a removed one', async (t) => {
    const t0 = Date.now();
    const second = await ensureLibraryImages(engine, { workDir: workDir() });
    const ms = Date.now() - t0;
    t.diagnostic(`second start ms: ${ms}`);
    assert.ok(second.every((r) => r.skipped));
    assert.deepEqual(
      second.map((r) => r.imageId),
      first.map((r) => r.imageId),
    );
    assert.ok(ms < 5000, `second start took ${ms} ms`);
    await engine.removeImage('hello-world:latest', true);
    const third = await ensureLibraryImages(engine, { workDir: workDir(), only: ['hello-world', 'busybox'] });
    assert.deepEqual(
      third.map((r) => [r.name, r.skipped]),
      [
        ['hello-world', false],
        ['busybox', true],
      ],
    );
    assert.equal(third[0].imageId, first[1].imageId, 'rebuilt image is bit-identical');
  });

  it('exports an OCI layout + docker-archive tar and pushes a library image to a registry', async () => {
    const out = join(dir, 'busybox.tar');
    const exported = await exportLibraryImage('busybox', out, { workDir: workDir() });
    assert.equal(exported.manifestDigest, first[0].manifestDigest);
    const entries = await tarEntries(out);
    assert.ok(entries.has('oci-layout'));
    const index = JSON.parse(entries.get('index.json')?.toString() ?? '{}') as { manifests: { digest: string }[] };
    assert.equal(index.manifests[0].digest, exported.manifestDigest);
    const manifest = JSON.parse(entries.get('manifest.json')?.toString() ?? '[]') as {
      RepoTags: string[];
      Config: string;
    }[];
    assert.deepEqual(manifest[0].RepoTags, ['busybox:latest']);
    assert.equal(manifest[0].Config, `blobs/sha256/${exported.imageId.slice(7)}`);

    const target = `${registry.host}/library/busybox:latest`;
    const pushed = await pushLibraryImage(engine, 'busybox', target, {
      username: registry.username,
      password: registry.password,
      serveraddress: registry.host,
    });
    assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(await engine.imageDigestFor(target, registry.host), pushed.digest);
  });
});
