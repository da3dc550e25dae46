import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { cliFor } from '../../helpers/cli.js';
import { makeGitRepo } from '../../helpers/git-context.js';

/**
 * Seed walkthrough A (product.md, as test/e2e/walkthroughs/seed-a-flow.ts) through the load balancer, with the task on
 * the agent pool: a system-assigned identity, acrpush on two other registries, identity credentials, a run that builds
 * hello-world and pushes it to both — executed by an agent, whose dockerd pushes to `<name>.<suffix>` via haproxy.
 * Returns the run id.
 */
export async function seedAOnPool(o: {
  cli: ReturnType<typeof cliFor>;
  login: Record<string, string>;
  root: string;
  caFile: string;
  logs: () => string;
}): Promise<string> {
  const { cli, login } = o;
  const ok = async (p: ReturnType<ReturnType<typeof cliFor>>) => {
    const r = await p;
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}\n${o.logs()}`);
    return r.stdout.trim();
  };
  const repo = makeGitRepo(join(o.root, 'acr-tasks'), {
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
  const task = JSON.parse(
    await ok(
      cli(
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
        '--agent-pool',
        'builders',
      ),
    ),
  );
  assert.equal(task.identity.type, 'SystemAssigned');
  assert.equal(task.agentPoolName, 'builders');
  const principalId = task.identity.principalId as string;
  for (const r of ['customregistry1', 'customregistry2']) {
    const scope = await ok(cli('acr', 'show', '--name', r, '--query', 'id', '--output', 'tsv'));
    await ok(cli('role', 'assignment', 'create', '--assignee', principalId, '--scope', scope, '--role', 'acrpush'));
    await ok(
      cli(
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
      ),
    );
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
  assert.equal(run.code, 0, `${run.stderr}\n${log}\n${o.logs()}`);
  const runId = /Queued a run with ID: (\w+)/.exec(run.stderr)![1];
  for (const r of ['customregistry1', 'customregistry2', 'myregistry']) {
    assert.match(log, new RegExp(`Logging in to registry: ${login[r]}\\n.*Successfully logged into ${login[r]}`));
  }
  assert.match(log, new RegExp(`Successfully tagged ${login.customregistry1}/hello-world:${runId}`));
  assert.match(log, new RegExp(`Pushing image: ${login.customregistry2}/hello-world:${runId}, attempt 1`));
  assert.match(log, new RegExp(`git:\\n {4}git-head-revision: ${repo.head}`));
  assert.match(log, new RegExp(`Run ID: ${runId} was successful after \\d+s`));

  // The images exist in both registries with one digest, for a real client through the balancer (CA trusted).
  const certDir = join(o.root, 'skopeo-certs');
  mkdirSync(certDir, { recursive: true });
  copyFileSync(o.caFile, join(certDir, 'ca.crt'));
  const digests: string[] = [];
  for (const r of ['customregistry1', 'customregistry2']) {
    const tok = JSON.parse(await ok(cli('acr', 'login', '-n', r, '--expose-token'))).accessToken;
    const { stdout } = await promisify(execFile)(
      'skopeo',
      [
        'inspect',
        '--cert-dir',
        certDir,
        '--creds',
        `00000000-0000-0000-0000-000000000000:${tok}`,
        '--format',
        '{{.Digest}}',
        `docker://${login[r]}/hello-world:${runId}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    digests.push(stdout.trim());
  }
  assert.match(digests[0], /^sha256:[0-9a-f]{64}$/);
  assert.equal(digests[0], digests[1]);
  return runId;
}
