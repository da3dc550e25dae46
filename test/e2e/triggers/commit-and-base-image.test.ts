import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { makeGitRepo } from '../../helpers/git-context.js';
import { commitFile, waitForRuns } from '../../integration/triggers/helpers.js';

// On the real engine: a commit to the base image's repository rebuilds base:1 (Commit trigger), and the new base
// rebuilds the app that is FROM it (Image Update trigger), whose dependency report shows the new base digest.
let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let work: string;
let login = '';

const taskFile = (image: string) =>
  [
    'version: v1.1.0',
    'steps:',
    `  - build: -t {{.Run.Registry}}/${image} .`,
    `  - push: ["{{.Run.Registry}}/${image}"]`,
    '',
  ].join('\n');

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-e2e-triggers-'));
  s = await startTestServer({ engine: 'docker', triggerPollSeconds: 1 });
  cli = cliFor(s.dataDir);
  assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
  const c = await cli(
    'acr',
    'create',
    '-g',
    'rg',
    '-n',
    'myregistry',
    '--sku',
    'Premium',
    '--query',
    'loginServer',
    '-o',
    'tsv',
  );
  assert.equal(c.code, 0, c.stderr);
  login = c.stdout.trim();
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

test(
  'a commit rebuilds the base image, and the new base rebuilds the app that depends on it',
  { timeout: 600_000 },
  async () => {
    const base = makeGitRepo(join(work, 'base'), {
      'acb.yaml': taskFile('base:1'),
      Dockerfile: 'FROM hello-world\nCOPY version.txt /version.txt\n',
      'version.txt': 'v1\n',
    });
    const app = makeGitRepo(join(work, 'app'), {
      'acb.yaml': taskFile('app:{{.Run.ID}}'),
      Dockerfile: `FROM ${login}/base:1\nCOPY app.txt /app.txt\n`,
      'app.txt': 'app\n',
    });
    for (const [name, repo] of [
      ['basetask', base.path],
      ['apptask', app.path],
    ]) {
      const c = await cli(
        'acr',
        'task',
        'create',
        '-r',
        'myregistry',
        '-n',
        name,
        '-c',
        `file://${repo}#main`,
        '-f',
        'acb.yaml',
      );
      assert.equal(c.code, 0, c.stderr);
    }
    await s.platform.triggers.source.pollOnce(); // baseline: the current heads fire nothing
    for (const name of ['basetask', 'apptask']) {
      const r = await cli('acr', 'task', 'run', '-r', 'myregistry', '-n', name);
      assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    }
    const [app1] = await waitForRuns(s, 'myregistry', 'apptask', (r) => r.length === 1 && r[0].status === 'Succeeded');
    const [base1] = await waitForRuns(s, 'myregistry', 'basetask', (r) => r.length === 1);
    const d1 = base1.result.outputImages![0].digest;
    assert.equal(app1.result.dependencies![0].runtime!.digest, d1);

    const head = await commitFile(base.path, 'version.txt', 'v2\n');
    const bases = await waitForRuns(
      s,
      'myregistry',
      'basetask',
      (r) => r.length === 2 && ['Succeeded', 'Failed', 'Error'].includes(r[1].status),
      120_000,
    );
    assert.equal(bases[1].status, 'Succeeded', bases[1].result.runErrorMessage ?? '');
    assert.equal(bases[1].request.trigger.kind, 'Commit');
    assert.equal(bases[1].request.trigger.sourceTrigger!.commitId, head);
    assert.equal(bases[1].result.dependencies![0].gitHeadRevision, head, 'the run built the commit that fired it');
    const d2 = bases[1].result.outputImages![0].digest;
    assert.notEqual(d2, d1);

    const apps = await waitForRuns(
      s,
      'myregistry',
      'apptask',
      (r) => r.length === 2 && ['Succeeded', 'Failed', 'Error'].includes(r[1].status),
      120_000,
    );
    const app2 = apps[1];
    assert.equal(app2.status, 'Succeeded', app2.result.runErrorMessage ?? '');
    assert.equal(app2.request.trigger.kind, 'Image Update');
    assert.deepEqual(app2.request.trigger.imageUpdateTrigger!.images, [
      { registry: login, repository: 'base', tag: '1', digest: d2 },
    ]);
    assert.notEqual(app2.result.outputImages![0].digest, app1.result.outputImages![0].digest);
    assert.equal(app2.result.dependencies![0].runtime!.digest, d2);
    const logs = await cli('acr', 'task', 'logs', '-r', 'myregistry', '--run-id', app2.runId);
    assert.match(
      logs.stdout,
      new RegExp(
        `runtime-dependency:\\n {4}registry: ${login.replace(/\./g, '\\.')}\\n {4}repository: base\\n {4}tag: "?1"?\\n {4}digest: ${d2}`,
      ),
    );
    const table = await cli('acr', 'task', 'list-runs', '-r', 'myregistry', '-o', 'table');
    assert.match(table.stdout, new RegExp(`${app2.runId}\\s+apptask\\s+Linux\\s+Succeeded\\s+Image Update`));
    assert.match(table.stdout, new RegExp(`${bases[1].runId}\\s+basetask\\s+Linux\\s+Succeeded\\s+Commit`));
    // Exactly one run each: nothing else fires once things settle.
    await s.platform.triggers.pollOnce();
    assert.equal((await s.platform.tasks.runs.list('myregistry', { taskName: 'basetask' })).length, 2);
    assert.equal((await s.platform.tasks.runs.list('myregistry', { taskName: 'apptask' })).length, 2);
  },
);
