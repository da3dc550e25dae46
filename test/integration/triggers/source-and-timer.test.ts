import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../../../src/shared/index.js';
import type { RunContext, RunExecutor, RunOutcome } from '../../../src/tasks/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { makeGitRepo } from '../../helpers/git-context.js';
import { commitFile, git, runsOf, waitForRuns } from './helpers.js';

/** Succeeds at once and remembers what each run was asked to build. */
class RecordingExecutor implements RunExecutor {
  async execute(ctx: RunContext): Promise<RunOutcome> {
    await ctx.markRunning();
    ctx.log.line(`trigger=${ctx.run.request.trigger.kind}`);
    return { status: 'Succeeded' };
  }
}

let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let work: string;
let repo: string;
const clock = fixedClock(new Date('2026-01-05T12:00:30Z')); // a Monday

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-triggers-'));
  // Source polling is driven by the test (pollOnce); the loops still run against the injected clock.
  s = await startTestServer({ triggerPollSeconds: 3600 }, undefined, { executor: new RecordingExecutor(), clock });
  cli = cliFor(s.dataDir);
  repo = makeGitRepo(join(work, 'app'), { 'acb.yaml': 'version: v1.1.0\nsteps:\n  - cmd: busybox echo hi\n' }).path;
  assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
  assert.equal((await cli('acr', 'create', '-g', 'rg', '-n', 'myregistry', '--sku', 'Premium')).code, 0);
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test(
  'a commit to the watched branch starts exactly one run with the commit id; disabling stops it',
  { timeout: 60_000 },
  async () => {
    const c = await cli(
      'acr',
      'task',
      'create',
      '-r',
      'myregistry',
      '-n',
      'committask',
      '-c',
      `file://${repo}#main`,
      '-f',
      'acb.yaml',
    );
    assert.equal(c.code, 0, c.stderr);
    const created = JSON.parse(c.stdout);
    assert.deepEqual(created.trigger.sourceTriggers[0].sourceTriggerEvents, ['commit']);

    assert.equal(await s.platform.triggers.source.pollOnce(), 0, 'the first poll only records the current head');
    const head = await commitFile(repo, 'app.txt', 'v2');
    assert.equal(await s.platform.triggers.source.pollOnce(), 1);
    assert.equal(await s.platform.triggers.source.pollOnce(), 0, 'the same commit never fires twice');
    const runs = await waitForRuns(s, 'myregistry', 'committask', (r) => r.length === 1 && r[0].status === 'Succeeded');
    const st = runs[0].request.trigger.sourceTrigger!;
    assert.equal(runs[0].request.trigger.kind, 'Commit');
    assert.equal(st.commitId, head);
    assert.equal(st.eventType, 'commit');
    assert.equal(st.branchName, 'main');
    assert.equal(st.repositoryUrl, `file://${repo}`);
    assert.equal(st.providerType, 'Git');
    assert.equal(runs[0].runType, 'AutoRun');
    const shown = JSON.parse(
      (await cli('acr', 'task', 'show-run', '-r', 'myregistry', '--run-id', runs[0].runId)).stdout,
    );
    assert.equal(shown.sourceTrigger.commitId, head);
    assert.equal(shown.timerTrigger, null);

    // A commit on another branch does not fire.
    await git(repo, 'checkout', '-q', '-b', 'feature');
    await commitFile(repo, 'feature.txt', 'x');
    await git(repo, 'checkout', '-q', 'main');
    assert.equal(await s.platform.triggers.source.pollOnce(), 0);

    // Disabled task: no run; enabling again does not fire for what happened meanwhile.
    assert.equal(
      (await cli('acr', 'task', 'update', '-r', 'myregistry', '-n', 'committask', '--status', 'Disabled')).code,
      0,
    );
    await commitFile(repo, 'app.txt', 'v3');
    assert.equal(await s.platform.triggers.source.pollOnce(), 0);
    assert.equal(
      (await cli('acr', 'task', 'update', '-r', 'myregistry', '-n', 'committask', '--status', 'Enabled')).code,
      0,
    );
    assert.equal(await s.platform.triggers.source.pollOnce(), 0);
    const head4 = await commitFile(repo, 'app.txt', 'v4');
    assert.equal(await s.platform.triggers.source.pollOnce(), 1);
    const after = await waitForRuns(s, 'myregistry', 'committask', (r) => r.length === 2);
    assert.equal(after[1].request.trigger.sourceTrigger!.commitId, head4);
  },
);

test('pull-request refs matching the pattern fire pull-request runs', { timeout: 60_000 }, async () => {
  const c = await cli(
    'acr',
    'task',
    'create',
    '-r',
    'myregistry',
    '-n',
    'prtask',
    '-c',
    `file://${repo}#main`,
    '-f',
    'acb.yaml',
    '--commit-trigger-enabled',
    'false',
    '--pull-request-trigger-enabled',
    'true',
  );
  assert.equal(c.code, 0, c.stderr);
  assert.equal(await s.platform.triggers.source.pollOnce(), 0);
  const featureHead = await git(repo, 'rev-parse', 'feature');
  await git(repo, 'update-ref', 'refs/pull/7/head', featureHead);
  await commitFile(repo, 'app.txt', 'v5'); // a commit: committask fires, prtask (commit trigger off) does not
  assert.equal(await s.platform.triggers.source.pollOnce(), 2);
  const runs = await waitForRuns(s, 'myregistry', 'prtask', (r) => r.length === 1);
  const st = runs[0].request.trigger.sourceTrigger!;
  assert.equal(runs[0].request.trigger.kind, 'PullRequest');
  assert.equal(st.eventType, 'pullrequest');
  assert.equal(st.pullRequestId, '7');
  assert.equal(st.commitId, featureHead);
  assert.equal(runs[0].request.trigger.gitRef, 'refs/pull/7/head');
  assert.equal(await s.platform.triggers.source.pollOnce(), 0);
});

test(
  'timers fire once at the next minute (injected clock), catch up once after downtime, and stop when disabled',
  { timeout: 60_000 },
  async () => {
    const bad = await cli(
      'acr',
      'task',
      'create',
      '-r',
      'myregistry',
      '-n',
      'badtimer',
      '-c',
      '/dev/null',
      '--cmd',
      'busybox echo hi',
      '--schedule',
      '0 25 * * *',
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /InvalidParameter[\s\S]*0 25 \* \* \*/);
    const c = await cli(
      'acr',
      'task',
      'create',
      '-r',
      'myregistry',
      '-n',
      'timertask',
      '-c',
      '/dev/null',
      '--cmd',
      'busybox echo hi',
      '--schedule',
      '* * * * *',
      '--schedule',
      'nightly:0 21 * * Mon-Fri',
    );
    assert.equal(c.code, 0, c.stderr);
    const timers = s.platform.triggers.timers;
    await timers.tick(); // first sight at 12:00:30: nothing is due yet
    clock.set(new Date('2026-01-05T12:00:59.900Z'));
    await timers.tick();
    assert.equal((await runsOf(s, 'myregistry', 'timertask')).length, 0);
    clock.set(new Date('2026-01-05T12:01:00Z'));
    await timers.tick();
    await timers.tick();
    let runs = await waitForRuns(s, 'myregistry', 'timertask', (r) => r.length >= 1);
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0].request.trigger.timerTrigger, {
      timerTriggerName: 't1',
      scheduleOccurrence: '2026-01-05T12:01:00+00:00',
    });
    assert.equal(runs[0].request.trigger.kind, 'Timer');

    // Nine missed minutes (the server was "down"): one catch-up run for the latest occurrence.
    clock.set(new Date('2026-01-05T12:10:05Z'));
    await timers.tick();
    runs = await waitForRuns(s, 'myregistry', 'timertask', (r) => r.length >= 2);
    assert.equal(runs.length, 2);
    assert.equal(runs[1].request.trigger.timerTrigger!.scheduleOccurrence, '2026-01-05T12:10:00+00:00');

    // 21:00 on a weekday: both timers fire, each once.
    clock.set(new Date('2026-01-05T21:00:00Z'));
    await timers.tick();
    runs = await waitForRuns(s, 'myregistry', 'timertask', (r) => r.length >= 4);
    assert.deepEqual(
      runs
        .slice(2)
        .map((r) => r.request.trigger.timerTrigger!.timerTriggerName)
        .sort(),
      ['nightly', 't1'],
    );

    // Disable t1: nothing at 21:05.
    const u = await cli(
      'acr',
      'task',
      'timer',
      'update',
      '-r',
      'myregistry',
      '-n',
      'timertask',
      '--timer-name',
      't1',
      '--enabled',
      'false',
    );
    assert.equal(u.code, 0, u.stderr);
    clock.set(new Date('2026-01-05T21:05:00Z'));
    await timers.tick();
    assert.equal((await runsOf(s, 'myregistry', 'timertask')).length, 4);

    // Friday 21:00 after days without a tick: one catch-up run (Friday's), then nothing on Saturday (Mon-Fri).
    clock.set(new Date('2026-01-09T21:00:20Z'));
    await timers.tick();
    runs = await waitForRuns(s, 'myregistry', 'timertask', (r) => r.length >= 5);
    assert.equal(runs[4].request.trigger.timerTrigger!.scheduleOccurrence, '2026-01-09T21:00:00+00:00');
    clock.set(new Date('2026-01-10T21:00:00Z'));
    await timers.tick();
    assert.equal((await runsOf(s, 'myregistry', 'timertask')).length, 5);
    clock.set(new Date('2026-01-12T21:00:00Z'));
    await timers.tick();
    runs = await waitForRuns(s, 'myregistry', 'timertask', (r) => r.length >= 6);
    assert.equal(runs.length, 6);
    assert.equal(runs[5].request.trigger.timerTrigger!.scheduleOccurrence, '2026-01-12T21:00:00+00:00');
  },
);

test('list-runs shows the TRIGGER column: Commit, Timer, Manual', { timeout: 60_000 }, async () => {
  const m = await cli('acr', 'task', 'run', '-r', 'myregistry', '-n', 'timertask', '--no-logs');
  assert.equal(m.code, 0, m.stderr);
  const table = await cli('acr', 'task', 'list-runs', '-r', 'myregistry', '--top', '50', '-o', 'table');
  assert.equal(table.code, 0, table.stderr);
  const header = table.stdout.split('\n')[0];
  assert.match(header, /^RUN ID\s+TASK\s+PLATFORM\s+STATUS\s+TRIGGER\s+STARTED\s+DURATION/);
  assert.match(table.stdout, /\bcommittask\s+Linux\s+\w+\s+Commit\b/);
  assert.match(table.stdout, /\btimertask\s+Linux\s+\w+\s+Timer\b/);
  assert.match(table.stdout, /\btimertask\s+Linux\s+\w+\s+Manual\b/);
});

test(
  'a commit pushed right after task create (before any poll) fires one run: the head is recorded at create',
  { timeout: 60_000 },
  async () => {
    const c = await cli(
      'acr',
      'task',
      'create',
      '-r',
      'myregistry',
      '-n',
      'earlytask',
      '-c',
      `file://${repo}#main`,
      '-f',
      'acb.yaml',
    );
    assert.equal(c.code, 0, c.stderr);
    const head = await commitFile(repo, 'early.txt', 'pushed within one poll interval of create');
    const before = (await runsOf(s, 'myregistry', 'earlytask')).length;
    assert.ok((await s.platform.triggers.source.pollOnce()) >= 1);
    const runs = await waitForRuns(s, 'myregistry', 'earlytask', (r) => r.length === before + 1);
    assert.equal(runs[runs.length - 1].request.trigger.sourceTrigger!.commitId, head);
  },
);
