import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import tar from 'tar-stream';
import {
  DockerIgnore,
  humanSize,
  packBuildContext,
  parseImageRef,
  renderJsonMessage,
  splitRepoTag,
} from '../../../src/tasks/engine/index.js';

describe('engine helpers', () => {
  it('parses image references like the docker CLI', () => {
    assert.deepEqual(parseImageRef('busybox'), {
      registry: 'docker.io',
      repository: 'library/busybox',
      tag: 'latest',
      digest: undefined,
    });
    assert.deepEqual(parseImageRef('127.0.0.1:5000/reg/app:v1'), {
      registry: '127.0.0.1:5000',
      repository: 'reg/app',
      tag: 'v1',
      digest: undefined,
    });
    assert.deepEqual(parseImageRef('dockyard/cli'), {
      registry: 'docker.io',
      repository: 'dockyard/cli',
      tag: 'latest',
      digest: undefined,
    });
    assert.equal(parseImageRef('localhost/x@sha256:abc').digest, 'sha256:abc');
    assert.equal(parseImageRef('localhost/x@sha256:abc').tag, undefined);
    assert.deepEqual(splitRepoTag('127.0.0.1:5000/a/b'), { repo: '127.0.0.1:5000/a/b', tag: 'latest' });
    assert.deepEqual(splitRepoTag('127.0.0.1:5000/a/b:7'), { repo: '127.0.0.1:5000/a/b', tag: '7' });
  });

  it('formats sizes and progress messages like the CLI in non-TTY mode', () => {
    assert.equal(humanSize(4096), '4.096kB');
    assert.equal(humanSize(512), '512B');
    assert.equal(humanSize(123456789), '123.5MB');
    assert.equal(renderJsonMessage({ stream: 'Step 1/1 : FROM x\n' }), 'Step 1/1 : FROM x\n');
    assert.equal(renderJsonMessage({ id: 'abc', status: 'Pushed' }), 'abc: Pushed\n');
    assert.equal(
      renderJsonMessage({
        id: 'abc',
        status: 'Pushing',
        progress: '[==>  ]',
        progressDetail: { current: 1, total: 2 },
      }),
      '',
    );
    assert.equal(renderJsonMessage({ error: 'x', errorDetail: { message: 'x' } }), '');
  });

  it('applies .dockerignore rules with negation and parent directories', () => {
    const ig = new DockerIgnore('# c\nnode_modules\n*.log\n!keep.log\ndocs/**/*.md\n', ['Dockerfile']);
    assert.equal(ig.excludes('node_modules/x/index.js'), true);
    assert.equal(ig.excludes('a.log'), true);
    assert.equal(ig.excludes('keep.log'), false);
    assert.equal(ig.excludes('docs/a/b/c.md'), true);
    assert.equal(ig.excludes('docs/a/b/c.txt'), false);
    assert.equal(ig.excludes('src/a.log'), false);
    assert.equal(new DockerIgnore('*\n', ['Dockerfile']).excludes('Dockerfile'), false);
  });

  it('packs a build context honouring .dockerignore and adding an outside Dockerfile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dy-ctx-'));
    try {
      const ctx = join(dir, 'ctx');
      await mkdir(join(ctx, 'sub'), { recursive: true });
      await writeFile(join(ctx, 'a.txt'), 'a');
      await writeFile(join(ctx, 'sub', 'b.txt'), 'b');
      await writeFile(join(ctx, 'skip.me'), 'x');
      await writeFile(join(ctx, '.dockerignore'), '*.me\n');
      await writeFile(join(dir, 'Dockerfile.out'), 'FROM scratch\n');
      const packed = await packBuildContext(ctx, join(dir, 'Dockerfile.out'));
      const names: string[] = [];
      const extract = tar.extract();
      extract.on('entry', (h, s, next) => {
        names.push(h.name);
        s.on('end', next);
        s.resume();
      });
      const done = new Promise<void>((r) => extract.on('finish', () => r()));
      packed.stream.pipe(extract as unknown as NodeJS.WritableStream);
      await done;
      assert.deepEqual(names.sort(), ['.dockerignore', 'a.txt', packed.dockerfileInContext, 'sub', 'sub/b.txt'].sort());
      assert.match(packed.dockerfileInContext, /^\.dockyard-dockerfile-/);
      assert.ok((await packed.bytes) >= 512 * 6);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
