import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';

// Quick runs on the real engine: `acr build` of a local context (with .dockerignore) and `acr run --cmd`;
// a step that exceeds its timeout is killed and the run fails "timed out".
let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let work: string;
before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-quick-'));
  s = await startTestServer({ engine: 'docker' });
  cli = cliFor(s.dataDir);
  assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
  assert.equal((await cli('acr', 'create', '-g', 'rg', '-n', 'quickregistry', '--sku', 'Basic')).code, 0);
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test(
  'acr build uploads a local context honouring .dockerignore, builds and pushes {{.Run.ID}}',
  { timeout: 300_000 },
  async () => {
    const ctx = join(work, 'app');
    mkdirSync(join(ctx, 'secret-dir'), { recursive: true });
    writeFileSync(
      join(ctx, 'Dockerfile'),
      'FROM busybox\nCOPY . /src\nRUN ls /src > /listing.txt\nCMD ["cat", "/listing.txt"]\n',
    );
    writeFileSync(join(ctx, 'keep.txt'), 'kept\n');
    writeFileSync(join(ctx, 'secret-dir', 'x.txt'), 'ignored\n');
    writeFileSync(join(ctx, '.dockerignore'), 'secret-dir\n');
    const r = await cli('acr', 'build', '-r', 'quickregistry', '-t', 'app:{{.Run.ID}}', ctx);
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    const runId = /Queued a run with ID: (\w+)/.exec(r.stderr)![1];
    assert.match(r.stderr, /Packing source code into tar to upload\.\.\./);
    assert.match(r.stderr, /Sending context \([\d.]+ KiB\) to registry: quickregistry\.\.\./);
    assert.match(r.stdout, /Step 1\/4 : FROM busybox/);
    assert.match(r.stdout, new RegExp(`Successfully pushed image: 127\\.0\\.0\\.1:\\d+/app:${runId}`));
    const tags = await cli('acr', 'repository', 'show-tags', '-n', 'quickregistry', '--repository', 'app');
    assert.deepEqual(JSON.parse(tags.stdout), [runId]);
    const show = JSON.parse((await cli('acr', 'task', 'show-run', '-r', 'quickregistry', '--run-id', runId)).stdout);
    assert.equal(show.runType, 'QuickBuild');
    assert.equal(show.status, 'Succeeded');
  },
);

test(
  'acr run --cmd runs a container; a step timeout kills it and the run fails timed out',
  { timeout: 300_000 },
  async () => {
    const r = await cli('acr', 'run', '-r', 'quickregistry', '--cmd', 'busybox echo quick-hello', '/dev/null');
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    assert.match(r.stdout, /\nquick-hello\n/);
    const f = join(work, 'slow.yaml');
    writeFileSync(f, 'version: v1.1.0\nsteps:\n  - cmd: busybox sleep 30\n    timeout: 2\n');
    const t0 = Date.now();
    const slow = await cli('acr', 'run', '-r', 'quickregistry', '-f', f, '/dev/null');
    assert.equal(slow.code, 1);
    assert.ok(Date.now() - t0 < 25_000, 'the step was killed at its timeout');
    assert.match(slow.stdout, /failed to run step ID: acb_step_0: timed out/);
  },
);
