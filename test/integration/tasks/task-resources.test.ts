import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import type { RunContext, RunExecutor, RunOutcome } from '../../../src/tasks/index.js';

/** A test executor: logs a few acb-style lines; behaviour chosen by the run's values. */
class ScriptedExecutor implements RunExecutor {
  async execute(ctx: RunContext): Promise<RunOutcome> {
    const values = Object.fromEntries(ctx.run.request.values.map((v) => [v.name, v.value]));
    const secret = ctx.run.request.secureValues['value:token'];
    ctx.log.addSecret(secret);
    await ctx.markRunning();
    ctx.log.line("Executing step ID: acb_step_0. Timeout(sec): 600, Working directory: '', Network: 'host'");
    ctx.log.write(`hello ${values.who ?? 'world'} secret=${secret ?? ''}\n`);
    const step = ctx.run.request.step;
    if (step.type === 'EncodedTask')
      ctx.log.write(
        `task file: ${Buffer.from(step.encodedTaskContent, 'base64').toString().split('\n').join(' | ')}\n`,
      );
    if (values.sleep) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Number(values.sleep));
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    if (values.fail) return { status: 'Failed', errorMessage: 'failed to run step ID: acb_step_0: exit status 1' };
    return {
      status: 'Succeeded',
      result: { outputImages: [{ registry: 'r', repository: 'app', tag: ctx.run.runId, digest: 'sha256:00' }] },
    };
  }
}

let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let dir: string;
before(async () => {
  s = await startTestServer({}, undefined, { executor: new ScriptedExecutor() });
  cli = cliFor(s.dataDir);
  dir = mkdtempSync(join(tmpdir(), 'dockyard-task-'));
  writeFileSync(join(dir, 'task.yaml'), 'version: v1.1.0\nsteps:\n  - cmd: busybox echo hi\n');
  assert.equal((await cli('group', 'create', '-n', 'rg', '-l', 'eastus')).code, 0);
  assert.equal((await cli('acr', 'create', '-g', 'rg', '-n', 'myregistry', '--sku', 'Premium')).code, 0);
  assert.equal((await cli('acr', 'create', '-g', 'rg', '-n', 'customregistry1', '--sku', 'Basic')).code, 0);
});
after(async () => {
  await s.cleanup();
});

test('task create with --assign-identity prints the SystemAssigned identity block; show --query works', async () => {
  const r = await cli(
    'acr',
    'task',
    'create',
    '--registry',
    'myregistry',
    '--name',
    'multiple-reg',
    '--context',
    '/dev/null',
    '--file',
    join(dir, 'task.yaml'),
    '--commit-trigger-enabled',
    'false',
    '--pull-request-trigger-enabled',
    'false',
    '--assign-identity',
  );
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout);
  assert.equal(t.identity.type, 'SystemAssigned');
  assert.match(t.identity.principalId, /^[0-9a-f-]{36}$/);
  assert.equal(t.identity.tenantId, s.platform.tenantId);
  assert.equal(t.identity.userAssignedIdentities, null);
  assert.equal(t.step.type, 'EncodedTask');
  assert.equal(
    Buffer.from(t.step.encodedTaskContent, 'base64').toString(),
    'version: v1.1.0\nsteps:\n  - cmd: busybox echo hi\n',
  );
  assert.equal(t.timeout, 3600);
  assert.equal(t.type, 'Microsoft.ContainerRegistry/registries/tasks');
  const pid = await cli(
    'acr',
    'task',
    'show',
    '--name',
    'multiple-reg',
    '--registry',
    'myregistry',
    '--query',
    'identity.principalId',
    '--output',
    'tsv',
  );
  assert.equal(pid.stdout.trim(), t.identity.principalId);
});

test('credential add --use-identity [system] is stored per login server and masked', async () => {
  const login = (
    await cli('acr', 'show', '-n', 'customregistry1', '--query', 'loginServer', '-o', 'tsv')
  ).stdout.trim();
  let r = await cli(
    'acr',
    'task',
    'credential',
    'add',
    '--name',
    'multiple-reg',
    '--registry',
    'myregistry',
    '--login-server',
    login,
    '--use-identity',
    '[system]',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout)[login], { identity: '[system]', password: null, userName: null });
  r = await cli(
    'acr',
    'task',
    'credential',
    'add',
    '--name',
    'multiple-reg',
    '--registry',
    'myregistry',
    '--login-server',
    login,
    '--use-identity',
    '[system]',
  );
  assert.equal(r.code, 1);
  r = await cli(
    'acr',
    'task',
    'credential',
    'add',
    '--name',
    'multiple-reg',
    '--registry',
    'myregistry',
    '--login-server',
    'other.example:5000',
    '-u',
    'bob',
    '-p',
    'hunter2secret',
  );
  assert.equal(r.code, 0, r.stderr);
  const shown = await cli('acr', 'task', 'show', '-n', 'multiple-reg', '-r', 'myregistry');
  assert.ok(!shown.stdout.includes('hunter2secret'));
  const secure = await cli('acr', 'task', 'show', '-n', 'multiple-reg', '-r', 'myregistry', '--with-secure-properties');
  assert.ok(secure.stdout.includes('hunter2secret'));
  r = await cli(
    'acr',
    'task',
    'credential',
    'remove',
    '--name',
    'multiple-reg',
    '--registry',
    'myregistry',
    '--login-server',
    'other.example:5000',
  );
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(
    (await cli('acr', 'task', 'credential', 'list', '-n', 'multiple-reg', '-r', 'myregistry')).stdout,
  );
  assert.deepEqual(Object.keys(list), [login]);
});

test('task run streams the log, ends with the ACR summary line, exit 0; run ids increase', async () => {
  const r = await cli(
    'acr',
    'task',
    'run',
    '--name',
    'multiple-reg',
    '--registry',
    'myregistry',
    '--set',
    'who=dockyard',
    '--set-secret',
    'token=s3cr3t-value',
  );
  assert.equal(r.code, 0, r.stderr);
  const id = /Queued a run with ID: (c[a-z][0-9a-z]+)/.exec(r.stderr)?.[1];
  assert.ok(id, r.stderr);
  assert.match(r.stderr, /Waiting for an agent\.\.\./);
  assert.match(r.stdout, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} Executing step ID: acb_step_0\. Timeout\(sec\): 600/m);
  assert.match(r.stdout, /hello dockyard secret=\*\*\*/);
  assert.ok(!r.stdout.includes('s3cr3t-value'));
  assert.match(r.stdout, new RegExp(`Run ID: ${id} was successful after \\d+s\\n$`));
  const r2 = await cli(
    'acr',
    'task',
    'run',
    '-n',
    'multiple-reg',
    '-r',
    'myregistry',
    '--no-logs',
    '--query',
    'runId',
    '-o',
    'tsv',
  );
  const id2 = r2.stdout.trim();
  assert.notEqual(id2, id);
  assert.equal(id2.slice(0, 2), id!.slice(0, 2));
  assert.ok(parseInt(id2.slice(2), 36) > parseInt(id!.slice(2), 36));
});

test('a failed run exits non-zero with the failure line; list-runs shows az columns', async () => {
  const r = await cli('acr', 'task', 'run', '-n', 'multiple-reg', '-r', 'myregistry', '--set', 'fail=1');
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /Run ID: c[a-z0-9]+ failed after \d+s\. Error: failed to run step ID: acb_step_0: exit status 1/,
  );
  assert.match(r.stderr, /ERROR: \(RunFailed\) Run failed/);
  const t = await cli('acr', 'task', 'list-runs', '-r', 'myregistry', '-o', 'table');
  const [header] = t.stdout.split('\n');
  assert.match(header, /^RUN ID\s+TASK\s+PLATFORM\s+STATUS\s+TRIGGER\s+STARTED\s+DURATION$/);
  assert.match(t.stdout, /multiple-reg\s+Linux\s+Failed\s+Manual\s+\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\s+00:00:0\d/);
  const failed = JSON.parse(
    (await cli('acr', 'task', 'list-runs', '-r', 'myregistry', '--run-status', 'Failed')).stdout,
  );
  assert.ok(failed.length >= 1 && failed.every((x: any) => x.status === 'Failed'));
});

test('--no-logs waits for the end without the log (as az); --no-wait returns the queued run', async () => {
  const ok = await cli('acr', 'task', 'run', '-n', 'multiple-reg', '-r', 'myregistry', '--no-logs');
  assert.equal(ok.code, 0, ok.stderr);
  const run = JSON.parse(ok.stdout);
  assert.equal(run.status, 'Succeeded');
  assert.ok(!ok.stdout.includes('acb_step_0'), 'no log lines');
  const bad = await cli('acr', 'task', 'run', '-n', 'multiple-reg', '-r', 'myregistry', '--set', 'fail=1', '--no-logs');
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /ERROR: \(RunFailed\) The run with ID 'c[a-z0-9]+' finished with unsuccessful status 'Failed'\. Show run details by 'dockyard acr task show-run -r myregistry --run-id c[a-z0-9]+'/,
  );
  const queued = await cli('acr', 'task', 'run', '-n', 'multiple-reg', '-r', 'myregistry', '--no-wait');
  assert.equal(queued.code, 0, queued.stderr);
  assert.ok(['Queued', 'Started', 'Running', 'Succeeded'].includes(JSON.parse(queued.stdout).status));
});

test('cancel-run cancels a running run; logs shows the stored log', async () => {
  const q = await cli(
    'acr',
    'task',
    'run',
    '-n',
    'multiple-reg',
    '-r',
    'myregistry',
    '--set',
    'sleep=20000',
    '--no-wait',
    '--query',
    'runId',
    '-o',
    'tsv',
  );
  const id = q.stdout.trim();
  for (let i = 0; i < 50; i++) {
    const st = (
      await cli('acr', 'task', 'show-run', '-r', 'myregistry', '--run-id', id, '--query', 'status', '-o', 'tsv')
    ).stdout.trim();
    if (st === 'Running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal((await cli('acr', 'task', 'cancel-run', '-r', 'myregistry', '--run-id', id)).code, 0);
  let status = '';
  for (let i = 0; i < 50 && status !== 'Canceled'; i++) {
    status = (
      await cli('acr', 'task', 'show-run', '-r', 'myregistry', '--run-id', id, '--query', 'status', '-o', 'tsv')
    ).stdout.trim();
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 'Canceled');
  const logs = await cli('acr', 'task', 'logs', '-r', 'myregistry', '--run-id', id);
  assert.match(logs.stdout, /was canceled after/);
});

test('task validation errors: bad timeout, bad name, unknown task', async () => {
  let r = await cli(
    'acr',
    'task',
    'create',
    '-r',
    'myregistry',
    '-n',
    'tt',
    '--context',
    '/dev/null',
    '--cmd',
    'busybox echo',
    '--timeout',
    '10',
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /InvalidResourceName|InvalidParameter/);
  r = await cli(
    'acr',
    'task',
    'create',
    '-r',
    'myregistry',
    '-n',
    'timeouttask',
    '--context',
    '/dev/null',
    '--cmd',
    'busybox echo',
    '--timeout',
    '10',
  );
  assert.match(r.stderr, /\(InvalidParameter\) The timeout '10' is invalid/);
  r = await cli('acr', 'task', 'run', '-r', 'myregistry', '-n', 'nosuchtask');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\(ResourceNotFound\)/);
});

test('deleting the task deletes its system-assigned identity', async () => {
  const pid = (
    await cli(
      'acr',
      'task',
      'show',
      '-n',
      'multiple-reg',
      '-r',
      'myregistry',
      '--query',
      'identity.principalId',
      '-o',
      'tsv',
    )
  ).stdout.trim();
  const { Directory } = await import('../../../src/identity/index.js');
  const dirx = new Directory(s.platform.db);
  assert.ok(await dirx.getByObjectId(pid));
  assert.equal((await cli('acr', 'task', 'delete', '-n', 'multiple-reg', '-r', 'myregistry', '-y')).code, 0);
  assert.equal(await dirx.getByObjectId(pid), null);
});

test('task update --commit-trigger-enabled toggles the source trigger of the task repository', async () => {
  const { makeGitRepo } = await import('../../helpers/git-context.js');
  const repo = makeGitRepo(join(dir, 'trigrepo'), {
    'acb.yaml': 'version: v1.0.0\nsteps:\n  - cmd: busybox echo hi\n',
  });
  let r = await cli(
    'acr',
    'task',
    'create',
    '-r',
    'myregistry',
    '-n',
    'watched',
    '--context',
    `file://${repo.path}#main`,
    '--file',
    'acb.yaml',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).trigger.sourceTriggers[0].sourceTriggerEvents, ['commit']);
  r = await cli(
    'acr',
    'task',
    'update',
    '-r',
    'myregistry',
    '-n',
    'watched',
    '--pull-request-trigger-enabled',
    'true',
    '--commit-trigger-enabled',
    'true',
  );
  assert.equal(r.code, 0, r.stderr);
  const st = JSON.parse(r.stdout).trigger.sourceTriggers[0];
  assert.deepEqual(st.sourceTriggerEvents, ['commit', 'pullrequest']);
  assert.equal(st.sourceRepository.repositoryUrl, `file://${repo.path}`);
  assert.equal(st.sourceRepository.branch, 'main');
});

test('task run --local-file runs an edited local task file with the task context and identity', async () => {
  const f = join(dir, 'edited.yaml');
  writeFileSync(f, 'version: v1.1.0\nsteps:\n  - cmd: busybox echo edited\n');
  const c = await cli(
    'acr',
    'task',
    'create',
    '-r',
    'myregistry',
    '-n',
    'looptask',
    '--context',
    '/dev/null',
    '--cmd',
    'busybox echo original',
    '--assign-identity',
  );
  assert.equal(c.code, 0, c.stderr);
  const r = await cli('acr', 'task', 'run', '-r', 'myregistry', '-n', 'looptask', '--local-file', f);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /task file: version: v1\.1\.0 \| steps: \|   - cmd: busybox echo edited/);
  const plain = await cli('acr', 'task', 'run', '-r', 'myregistry', '-n', 'looptask');
  assert.match(plain.stdout, /busybox echo original/);
  const missing = await cli(
    'acr',
    'task',
    'run',
    '-r',
    'myregistry',
    '-n',
    'looptask',
    '--local-file',
    join(dir, 'nope.yaml'),
  );
  assert.equal(missing.code, 2);
});
