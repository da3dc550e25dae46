import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { defaultExecRoot, unmountUnder } from '../../../src/tasks/engine/index.js';

// A real `dockyard agent` process with its own private dockerd (own data root), leasing runs of its pool from a
// server that has no engine at all: a task with --agent-pool runs to Succeeded on the agent, its log is read through
// the server; a SIGKILLed agent's run is failed by the server within the lease bound.
const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'dockyard.js');
const LEASE_S = 6;
let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let work: string;
let agentDir: string;
let tokenFile: string;
let agent: { child: ChildProcess; output: () => string } | null = null;

async function startAgent(): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'agent', '--server', s.endpoint, '--pool', 'builders', '--token-file', tokenFile, '--data-dir', agentDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent did not start:\n${out}`)), 240_000);
    child.stdout!.on('data', () => {
      if (out.includes('agent for pool builders of agentreg is ready')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`agent exited with ${code}:\n${out}`));
    });
  });
  return { child, output: () => out };
}

async function stopAgent(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const c = agent?.child;
  agent = null;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill(signal);
  await exited;
}

/** The run through the API (not the CLI: its start-up time would blur the measured bound). */
const showRun = async (runId: string) => {
  const reg = (await s.platform.registries.byName('agentreg'))!;
  return (await s.api(`${reg.id}/runs/${runId}?api-version=2019-06-01-preview`)).json;
};

/** Stops a dockerd a SIGKILLed agent left behind (by its pid file) and unmounts what it left. */
async function reapAgentDockerd(): Promise<void> {
  const pidFile = join(agentDir, 'dockerd.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  if (pid > 0 && existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(agentDir)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 200));
  }
  await unmountUnder([await defaultExecRoot(agentDir), agentDir]);
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-agent-e2e-'));
  agentDir = join(work, 'agent-data');
  tokenFile = join(work, 'pool.token');
  s = await startTestServer({ engine: 'none', agentLeaseSeconds: LEASE_S });
  cli = cliFor(s.dataDir);
  assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
  assert.equal((await cli('acr', 'create', '-g', 'rg', '-n', 'agentreg', '--sku', 'Premium')).code, 0);
  assert.equal((await cli('acr', 'agentpool', 'create', '-n', 'builders', '-r', 'agentreg', '--count', '1')).code, 0);
  const c = await cli('acr', 'agentpool', 'credential', '-n', 'builders', '-r', 'agentreg', '--token-file', tokenFile);
  assert.equal(c.code, 0, c.stderr);
  agent = await startAgent();
});
after(async () => {
  await stopAgent();
  await reapAgentDockerd();
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test(
  "a task on an agent pool runs on the agent's own engine; build+push from an uploaded context; logs via the server",
  { timeout: 400_000 },
  async () => {
    // The agent runs its own dockerd on its own data root; the server has none.
    const pid = Number(readFileSync(join(agentDir, 'dockerd.pid'), 'utf8'));
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8'), new RegExp(`${agentDir}/docker`));
    assert.equal(existsSync(join(s.dataDir, 'docker')), false);

    const created = await cli(
      'acr',
      'task',
      'create',
      '-n',
      'hello',
      '-r',
      'agentreg',
      '--cmd',
      'busybox echo agent-hello-$((6*7))',
      '-c',
      '/dev/null',
      '--agent-pool',
      'builders',
    );
    assert.equal(created.code, 0, created.stderr);
    const r = await cli('acr', 'task', 'run', '-n', 'hello', '-r', 'agentreg');
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}\n${agent?.output()}`);
    assert.match(r.stdout, /agent-hello/);
    const runId = /Queued a run with ID: (\w+)/.exec(r.stderr)![1];
    const run = await showRun(runId);
    assert.equal(run.status, 'Succeeded');
    assert.equal(run.agentPoolName, 'builders');
    const logs = await cli('acr', 'task', 'logs', '-r', 'agentreg', '--run-id', runId);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /agent-hello/);
    assert.match(logs.stdout, new RegExp(`Run ID: ${runId} was successful after \\d+s`));

    // acr build of a local context: the agent fetches the upload, logs in to the server's registry with a run-scoped
    // credential and pushes from its own engine.
    const ctx = join(work, 'app');
    mkdirSync(ctx, { recursive: true });
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY hi.txt /hi.txt\nCMD ["cat", "/hi.txt"]\n');
    writeFileSync(join(ctx, 'hi.txt'), 'built on an agent\n');
    const b = await cli('acr', 'build', '-r', 'agentreg', '-t', 'app:{{.Run.ID}}', ctx, '--agent-pool', 'builders');
    assert.equal(b.code, 0, `${b.stderr}\n${b.stdout}\n${agent?.output()}`);
    const buildId = /Queued a run with ID: (\w+)/.exec(b.stderr)![1];
    assert.match(b.stdout, new RegExp(`Successfully pushed image: 127\\.0\\.0\\.1:\\d+/app:${buildId}`));
    const tags = await cli('acr', 'repository', 'show-tags', '-n', 'agentreg', '--repository', 'app');
    assert.deepEqual(JSON.parse(tags.stdout), [buildId]);
    assert.equal((await showRun(buildId)).status, 'Succeeded');
  },
);

test(
  'SIGKILL of the agent mid-run: the server fails the run with the reason within the lease bound',
  { timeout: 400_000 },
  async () => {
    const q = await cli(
      'acr',
      'run',
      '-r',
      'agentreg',
      '--cmd',
      'busybox sleep 300',
      '/dev/null',
      '--agent-pool',
      'builders',
      '--no-wait',
      '--query',
      'runId',
      '-o',
      'tsv',
    );
    assert.equal(q.code, 0, q.stderr);
    const runId = q.stdout.trim();
    let run = await showRun(runId);
    for (let i = 0; i < 600 && run.status !== 'Running'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = await showRun(runId);
    }
    assert.equal(run.status, 'Running', agent?.output());
    const killedAt = Date.now();
    await stopAgent('SIGKILL');
    for (let i = 0; i < 200 && run.status === 'Running'; i++) {
      await new Promise((r) => setTimeout(r, 250));
      run = await showRun(runId);
    }
    const took = (Date.now() - killedAt) / 1000;
    assert.equal(run.status, 'Failed');
    assert.match(
      run.runErrorMessage,
      new RegExp(`of agent pool 'builders' stopped sending heartbeats \\(none for ${LEASE_S} s\\)`),
    );
    assert.ok(took <= LEASE_S + 2.5, `failed ${took.toFixed(1)} s after the kill (bound: lease ${LEASE_S} s + sweep)`);
    const logs = await cli('acr', 'task', 'logs', '-r', 'agentreg', '--run-id', runId);
    assert.match(
      logs.stdout,
      new RegExp(
        `Run ID: ${runId} failed after \\d+s\\. Error: The agent '.*' of agent pool 'builders' stopped sending heartbeats`,
      ),
    );
    process.stderr.write(`agent lost: run failed ${took.toFixed(1)} s after SIGKILL (lease ${LEASE_S} s)\n`);

    // A new agent on the same data dir reaps the dead one's dockerd and takes the next run.
    agent = await startAgent();
    const again = await cli(
      'acr',
      'run',
      '-r',
      'agentreg',
      '--cmd',
      'busybox echo back-again',
      '/dev/null',
      '--agent-pool',
      'builders',
    );
    assert.equal(again.code, 0, `${again.stderr}\n${agent.output()}`);
    assert.match(again.stdout, /back-again/);
  },
);
