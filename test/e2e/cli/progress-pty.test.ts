import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunExecutor, RunOutcome } from '../../../src/tasks/index.js';
import { startRegistryHarness, pushImage, type RegistryHarness } from '../../conformance/registry-harness.js';
import { cliFor } from '../../helpers/cli.js';

// Issue 17 item 4: progress on a terminal (context upload, waiting for a queued run, `acr import`), run under a real
// pseudo-terminal with util-linux `script`; piped or `-o json` output carries none of it.
const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'dockyard.js');

/** Each run takes 1.5 s; after `hold()` the next run to start takes 9 s (it keeps the only slot busy). */
class SlowExecutor implements RunExecutor {
  private holdNext = false;
  hold(): void {
    this.holdNext = true;
  }
  async execute(): Promise<RunOutcome> {
    const ms = this.holdNext ? 9000 : 1500;
    this.holdNext = false;
    await new Promise((r) => setTimeout(r, ms));
    return { status: 'Succeeded' };
  }
}
const executor = new SlowExecutor();

let h: RegistryHarness;
let ctxDir: string;
let env: Record<string, string | undefined>;

before(async () => {
  h = await startRegistryHarness({
    name: 'progreg',
    overrides: { maxConcurrentRuns: 1 },
    serverOptions: { executor },
  });
  env = { DOCKYARD_DATA_DIR: h.ts.dataDir, DOCKYARD_CONFIG_DIR: join(h.ts.dataDir, 'cli-home') };
  ctxDir = mkdtempSync(join(tmpdir(), 'dockyard-progress-'));
  writeFileSync(join(ctxDir, 'acb.yaml'), 'version: v1.1.0\nsteps:\n  - cmd: hello-world\n');
  writeFileSync(join(ctxDir, 'data.bin'), randomBytes(400_000)); // incompressible: the upload takes several writes
  await pushImage(h, 'app/web', 'v1', h.adminBasic);
});
after(async () => {
  await h?.cleanup();
  rmSync(ctxDir, { recursive: true, force: true });
});

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Runs the CLI with stdout and stderr on a pseudo-terminal (`script -qfec`), returning everything the terminal got. */
function inPty(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const cmd = [process.execPath, BIN, ...args].map(q).join(' ');
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: { ...process.env, NODE_OPTIONS: '', DOCKYARD_ENDPOINT: undefined, DOCKYARD_NO_PROGRESS: undefined, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
    child.stdin.end();
  });
}

const lastJson = (text: string) => JSON.parse(text.slice(text.indexOf('{')).replace(/\r/g, ''));

test(
  'upload bar and run spinner on a terminal; none when piped; none under -o json',
  { timeout: 120_000 },
  async () => {
    const tty = await inPty(['acr', 'run', '-r', 'progreg', '--no-logs', '-f', 'acb.yaml', ctxDir]);
    assert.equal(tty.code, 0, tty.out);
    assert.match(tty.out, /\rUploading context \[#*-*\]\s+\d+% /);
    assert.match(tty.out, /\rUploading context \[#{24}\] 100% 39\d\.\d KiB\/39\d\.\d KiB\x1b\[K\r?\n/);
    assert.ok((tty.out.match(/\rUploading context/g) ?? []).length >= 3, 'the bar moved');
    assert.match(tty.out, /\rRun c[a-z0-9]+: (Queued|Started|Running) [|/\\-] \ds\x1b\[K/);
    assert.match(tty.out, /\rRun c[a-z0-9]+: Succeeded [|/\\-] \ds\x1b\[K/);
    assert.equal(lastJson(tty.out.slice(tty.out.lastIndexOf('\x1b[K') + 3)).status, 'Succeeded');

    const piped = await cliFor(h.ts.dataDir)('acr', 'run', '-r', 'progreg', '--no-logs', '-f', 'acb.yaml', ctxDir);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr + piped.stdout, /\r|\x1b\[K|Uploading context \[|Run c[a-z0-9]+: /);
    assert.match(piped.stderr, /Sending context \(39\d\.\d+ KiB\) to registry: progreg\.\.\./);
    assert.equal(JSON.parse(piped.stdout).status, 'Succeeded');

    const json = await inPty(['acr', 'run', '-r', 'progreg', '--no-logs', '-f', 'acb.yaml', '-o', 'json', ctxDir]);
    assert.equal(json.code, 0, json.out);
    assert.doesNotMatch(json.out, /\x1b\[K|Uploading context \[|Run c[a-z0-9]+: /);
    assert.equal(lastJson(json.out).status, 'Succeeded');
  },
);

test('a spinner while a run waits in the queue, then its log', { timeout: 120_000 }, async () => {
  executor.hold();
  const regId = `/subscriptions/${h.ts.sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/progreg`;
  const first = await h.ts.api(`${regId}/scheduleRun?api-version=2019-06-01-preview`, {
    method: 'POST',
    body: {
      type: 'EncodedTaskRunRequest',
      encodedTaskContent: Buffer.from('version: v1.1.0\nsteps:\n  - cmd: hello-world\n').toString('base64'),
      platform: { os: 'linux' },
    },
  });
  assert.ok(first.status < 300, first.text);
  const tty = await inPty(['acr', 'run', '-r', 'progreg', '--cmd', 'hello-world', '/dev/null']);
  assert.equal(tty.code, 0, tty.out);
  assert.match(tty.out, /\rRun c[a-z0-9]+ is queued, waiting for an agent [|/\\-] \ds\x1b\[K/);
  assert.match(tty.out, /\rRun c[a-z0-9]+ started\.\x1b\[K/);
});

test('acr import shows a spinner on a terminal only', { timeout: 60_000 }, async () => {
  const tty = await inPty([
    'acr',
    'import',
    '-n',
    'progreg',
    '--registry',
    'progreg',
    '--source',
    'app/web:v1',
    '-t',
    'copy:v1',
  ]);
  assert.equal(tty.code, 0, tty.out);
  assert.match(tty.out, /\rImporting app\/web:v1 into progreg [|/\\-] \ds\x1b\[K/);
  assert.match(tty.out, /\rImported app\/web:v1 into progreg\.\x1b\[K/);
  const piped = await cliFor(h.ts.dataDir)(
    'acr',
    'import',
    '-n',
    'progreg',
    '--registry',
    'progreg',
    '--source',
    'app/web:v1',
    '-t',
    'copy:v2',
  );
  assert.equal(piped.code, 0, piped.stderr);
  assert.doesNotMatch(piped.stdout + piped.stderr, /Import(ing|ed) app/);
});
