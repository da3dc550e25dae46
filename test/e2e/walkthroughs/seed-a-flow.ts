import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import type { DockyardConfig } from '../../../src/config/index.js';
import { cliFor } from '../../helpers/cli.js';
import { makeGitRepo } from '../../helpers/git-context.js';

export interface SeedAContext {
  s: TestServer;
  cli: ReturnType<typeof cliFor>;
  login: Record<string, string>;
  runId: string;
}

/**
 * Seed walkthrough A (product.md): a task with a system-assigned identity builds hello-world and pushes it to two
 * other registries, on the real engine, authorised only by role assignments. Shared by the port-per-registry test and
 * the login-servers-by-name one (`server` overrides; with a suffix, skopeo trusts the local CA instead of
 * `--tls-verify=false`).
 */
export function defineSeedA(opts: {
  title: string;
  server: Partial<DockyardConfig>;
  afterRun?: (ctx: SeedAContext) => Promise<void>;
}): void {
  let s: TestServer;
  let cli: ReturnType<typeof cliFor>;
  let work: string;
  let certDir: string;
  let repo: { path: string; head: string };
  const login: Record<string, string> = {};

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dockyard-seed-a-'));
    s = await startTestServer({ engine: 'docker', ...opts.server } as Partial<DockyardConfig>);
    certDir = join(work, 'certs');
    mkdirSync(certDir);
    if (opts.server.loginServerSuffix) copyFileSync(join(s.dataDir, 'tls', 'ca.crt'), join(certDir, 'ca.crt'));
    cli = cliFor(s.dataDir);
    repo = makeGitRepo(join(work, 'acr-tasks'), {
      'multipleRegistries/testtask.yaml': [
        'version: v1.0.0',
        'steps:',
        '  - build: -t {{.Values.REGISTRY1}}/hello-world:{{.Run.ID}} . -f hello-world.dockerfile',
        '  - push: ["{{.Values.REGISTRY1}}/hello-world:{{.Run.ID}}"]',
        '  - build: -t {{.Values.REGISTRY2}}/hello-world:{{.Run.ID}} . -f hello-world.dockerfile',
        '  - push: ["{{.Values.REGISTRY2}}/hello-world:{{.Run.ID}}"]',
        '',
      ].join('\n'),
      'multipleRegistries/hello-world.dockerfile': 'FROM hello-world\n',
    });
    assert.equal((await cli('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus')).code, 0);
    for (const r of ['myregistry', 'customregistry1', 'customregistry2']) {
      const c = await cli(
        'acr',
        'create',
        '-g',
        'myResourceGroup',
        '-n',
        r,
        '--sku',
        'Premium',
        '--query',
        'loginServer',
        '-o',
        'tsv',
      );
      assert.equal(c.code, 0, c.stderr);
      login[r] = c.stdout.trim();
    }
  });
  after(async () => {
    await s.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  /** Async: the server runs in this process, so a blocking child would deadlock it. */
  async function skopeoDigest(server: string, ref: string, token: string): Promise<string> {
    const { stdout } = await promisify(execFile)(
      'skopeo',
      [
        'inspect',
        ...(opts.server.loginServerSuffix ? ['--cert-dir', certDir] : ['--tls-verify=false']),
        '--creds',
        `00000000-0000-0000-0000-000000000000:${token}`,
        '--format',
        '{{.Digest}}',
        `docker://${server}/${ref}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    return stdout.trim();
  }

  test(opts.title, { timeout: 600_000 }, async () => {
    const create = await cli(
      'acr',
      'task',
      'create',
      '--registry',
      'myregistry',
      '--name',
      'multiple-reg',
      '--context',
      `file://${repo.path}#:multipleRegistries`,
      '--file',
      'testtask.yaml',
      '--commit-trigger-enabled',
      'false',
      '--pull-request-trigger-enabled',
      'false',
      '--assign-identity',
    );
    assert.equal(create.code, 0, create.stderr);
    const task = JSON.parse(create.stdout);
    assert.equal(task.identity.type, 'SystemAssigned');
    const principalId = (
      await cli(
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
      )
    ).stdout.trim();
    assert.equal(principalId, task.identity.principalId);
    const reg1 = (
      await cli('acr', 'show', '--name', 'customregistry1', '--query', 'id', '--output', 'tsv')
    ).stdout.trim();
    const reg2 = (
      await cli('acr', 'show', '--name', 'customregistry2', '--query', 'id', '--output', 'tsv')
    ).stdout.trim();
    for (const scope of [reg1, reg2]) {
      const ra = await cli(
        'role',
        'assignment',
        'create',
        '--assignee',
        principalId,
        '--scope',
        scope,
        '--role',
        'acrpush',
      );
      assert.equal(ra.code, 0, ra.stderr);
    }
    for (const r of ['customregistry1', 'customregistry2']) {
      const c = await cli(
        'acr',
        'task',
        'credential',
        'add',
        '--name',
        'multiple-reg',
        '--registry',
        'myregistry',
        '--login-server',
        login[r],
        '--use-identity',
        '[system]',
      );
      assert.equal(c.code, 0, c.stderr);
    }

    const run = await cli(
      'acr',
      'task',
      'run',
      '--name',
      'multiple-reg',
      '--registry',
      'myregistry',
      '--set',
      `REGISTRY1=${login.customregistry1}`,
      '--set',
      `REGISTRY2=${login.customregistry2}`,
    );
    const log = run.stdout;
    assert.equal(run.code, 0, `${run.stderr}\n${log}`);
    const runId = /Queued a run with ID: (\w+)/.exec(run.stderr)![1];
    assert.match(log, /Downloading source code\.\.\.\n.*Finished downloading source code/);
    for (const r of ['customregistry1', 'customregistry2', 'myregistry']) {
      assert.match(log, new RegExp(`Logging in to registry: ${login[r]}\\n.*Successfully logged into ${login[r]}`));
    }
    assert.match(
      log,
      /Executing step ID: acb_step_0\. Timeout\(sec\): 600, Working directory: 'multipleRegistries', Network: 'host'/,
    );
    assert.match(log, /Step 1\/1 : FROM hello-world\n ---> [0-9a-f]{12}\nSuccessfully built/);
    assert.match(log, new RegExp(`Successfully tagged ${login.customregistry1}/hello-world:${runId}`));
    assert.match(log, new RegExp(`Pushing image: ${login.customregistry2}/hello-world:${runId}, attempt 1`));
    assert.match(log, new RegExp(`${runId}: digest: sha256:[0-9a-f]{64} size: \\d+`));
    for (let i = 0; i < 4; i++)
      assert.match(
        log,
        new RegExp(`Step ID: acb_step_${i} marked as successful \\(elapsed time in seconds: \\d+\\.\\d{6}\\)`),
      );
    assert.match(log, /The following dependencies were found:/);
    assert.match(
      log,
      /runtime-dependency:\n {4}registry: registry\.hub\.docker\.com\n {4}repository: library\/hello-world\n {4}tag: latest\n {4}digest: sha256:/,
    );
    assert.match(log, new RegExp(`git:\\n {4}git-head-revision: ${repo.head}`));
    assert.match(log, new RegExp(`Run ID: ${runId} was successful after \\d+s`));

    // The images really exist in both registries, with the same digest, for a real client.
    const digests: string[] = [];
    for (const r of ['customregistry1', 'customregistry2']) {
      const tok = JSON.parse((await cli('acr', 'login', '-n', r, '--expose-token')).stdout).accessToken;
      digests.push(await skopeoDigest(login[r], `hello-world:${runId}`, tok));
    }
    assert.match(digests[0], /^sha256:[0-9a-f]{64}$/);
    assert.equal(digests[0], digests[1]);
    await opts.afterRun?.({ s, cli, login, runId });
    const shown = JSON.parse((await cli('acr', 'task', 'show-run', '-r', 'myregistry', '--run-id', runId)).stdout);
    assert.equal(shown.status, 'Succeeded');
    assert.equal(shown.outputImages.length, 2);

    // Without the role assignment on customregistry2 the push there fails and the CLI exits non-zero.
    const del = await cli(
      'role',
      'assignment',
      'delete',
      '--assignee',
      principalId,
      '--scope',
      reg2,
      '--role',
      'acrpush',
    );
    assert.equal(del.code, 0, del.stderr);
    const denied = await cli(
      'acr',
      'task',
      'run',
      '--name',
      'multiple-reg',
      '--registry',
      'myregistry',
      '--set',
      `REGISTRY1=${login.customregistry1}`,
      '--set',
      `REGISTRY2=${login.customregistry2}`,
    );
    assert.notEqual(denied.code, 0);
    assert.match(denied.stdout, /failed after \d+s\. Error: /);
    assert.match(denied.stdout, /(denied|unauthorized|authentication required|not authorized)/i);
    assert.match(denied.stderr, /Run failed/);
    const failedId = /Queued a run with ID: (\w+)/.exec(denied.stderr)![1];
    const failed = JSON.parse((await cli('acr', 'task', 'show-run', '-r', 'myregistry', '--run-id', failedId)).stdout);
    assert.equal(failed.status, 'Failed');
  });
}
