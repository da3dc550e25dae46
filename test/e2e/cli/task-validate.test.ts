import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor, runDockyard } from '../../helpers/cli.js';

let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let dir: string;
before(async () => {
  s = await startTestServer();
  cli = cliFor(s.dataDir);
  dir = mkdtempSync(join(tmpdir(), 'dockyard-validate-'));
});
after(async () => {
  await s.cleanup();
});

test('acr task validate prints the plan of the seed task; render substitutes --set values', async () => {
  const f = join(dir, 'testtask.yaml');
  writeFileSync(
    f,
    'version: v1.0.0\nsteps:\n  - build: -t {{.Values.REGISTRY1}}/hello-world:{{.Run.ID}} . -f hello-world.dockerfile\n  - push: ["{{.Values.REGISTRY1}}/hello-world:{{.Run.ID}}"]\n',
  );
  const r = await cli('acr', 'task', 'validate', '--file', f, '--set', 'REGISTRY1=127.0.0.1:5001', '-o', 'table');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^STEP\s+TYPE\s+WAITS FOR\s+IMAGE\s+PUSH\s+TIMEOUT/);
  assert.match(r.stdout, /acb_step_0\s+build\s+-\s+127\.0\.0\.1:5001\/hello-world:cf1/);
  assert.match(r.stdout, /acb_step_1\s+push\s+acb_step_0\s+127\.0\.0\.1:5001\/hello-world:cf1\s+600/);
  const rendered = await cli('acr', 'task', 'render', '--file', f, '--set', 'REGISTRY1=127.0.0.1:5001');
  assert.match(rendered.stdout, /- build: -t 127\.0\.0\.1:5001\/hello-world:cf1 \. -f hello-world\.dockerfile/);
});

test('acr task validate explains a bad file with file:line:column and exits 1', async () => {
  const f = join(dir, 'bad.yaml');
  writeFileSync(
    f,
    'version: v1.0.0\nsteps:\n  - cmd: busybox echo\n    when: ["later"]\n  - id: later\n    cmd: busybox echo\n',
  );
  const r = await cli('acr', 'task', 'validate', '--file', f);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR: \(TaskFileInvalid\) \S*bad\.yaml:3:5: later does not exist as a vertex\n  hint: /);
});

test('with no server running, validate and render use the same engine locally and print the same', async () => {
  const home = mkdtempSync(join(tmpdir(), 'dockyard-noserver-'));
  // Nothing listens on port 1: the connection is refused, as with a stale endpoint.json or no `npm start` yet.
  const offline = (...args: string[]) =>
    runDockyard(args, { DOCKYARD_ENDPOINT: 'http://127.0.0.1:1', DOCKYARD_DATA_DIR: home, DOCKYARD_CONFIG_DIR: home });
  const f = join(dir, 'offline.yaml');
  writeFileSync(
    f,
    'version: v1.1.0\nsteps:\n  - build: -t {{.Values.REGISTRY1}}/app:{{.Run.ID}} .\n  - push: ["{{.Values.REGISTRY1}}/app:{{.Run.ID}}"]\n  - cmd: busybox echo {{.Values.token}}\n',
  );
  for (const args of [
    ['acr', 'task', 'validate', '--file', f, '--set', 'REGISTRY1=127.0.0.1:5001', '-o', 'table'],
    ['acr', 'task', 'validate', '--file', f, '--set', 'REGISTRY1=127.0.0.1:5001', '--set-secret', 'token=s3cr3t-value'],
    ['acr', 'task', 'render', '--file', f, '--set', 'REGISTRY1=127.0.0.1:5001', '--set-secret', 'token=s3cr3t-value'],
  ]) {
    const [local, server] = await Promise.all([offline(...args), cli(...args)]);
    assert.equal(local.code, 0, local.stderr);
    assert.equal(local.stdout, server.stdout, args.join(' '));
    assert.ok(!local.stdout.includes('s3cr3t-value'), 'secret values are masked locally too');
  }
  const bad = join(dir, 'bad-offline.yaml');
  writeFileSync(bad, 'version: v1.0.0\nsteps:\n  - cmd: busybox echo\n    when: ["later"]\n');
  const r = await offline('acr', 'task', 'validate', '--file', bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR: \(TaskFileInvalid\) \S*bad-offline\.yaml:3:5: later does not exist as a vertex/);
  // Commands that need the server still say so.
  const show = await offline('acr', 'task', 'show', '-n', 't', '-r', 'r');
  assert.equal(show.code, 1);
  assert.match(show.stderr, /CliConnection/);
});
