import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { makeGitRepo } from '../../helpers/git-context.js';
import { startGitDaemon } from '../../helpers/git-daemon.js';

// Seed walkthrough B (product.md): a task with a user-assigned identity reads a Key Vault secret, builds from a git
// URL inside a step with the docker CLI, pushes to its registry, logs in with the identity inside a step container
// and lists the tags. Without the vault policy the secret step fails with a forbidden error; the value never leaks.
const SECRET = 'Hello ACR Tasks!';
let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let work: string;
let git: Awaited<ReturnType<typeof startGitDaemon>>;
let taskFile: string;

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-seed-b-'));
  makeGitRepo(
    join(work, 'repos', 'aci-helloworld'),
    {
      Dockerfile:
        'FROM busybox\nRUN mkdir -p /usr/src/app\nCOPY ./app/* /usr/src/app/\nWORKDIR /usr/src/app\nCMD ["cat", "/usr/src/app/index.html"]\n',
      'app/index.html': '<h1>Welcome to Azure Container Instances!</h1>\n',
    },
    'master',
  ); // docker build <git URL> without #ref clones master, like the sample repository's default branch
  git = await startGitDaemon(join(work, 'repos'));
  taskFile = join(work, 'managed-identities.yaml');
  writeFileSync(
    taskFile,
    [
      'version: v1.0.0',
      'secrets:',
      '  - id: name',
      '    keyvault: https://mykeyvault.vault.azure.net/secrets/SampleSecret',
      'steps:',
      '  # Verify that we can access the secret in the key vault',
      `  - cmd: bash -c 'if [ -z "$MY_SECRET" ]; then echo "Secret not resolved"; else echo "Secret resolved"; fi'`,
      '    env:',
      "      - MY_SECRET='{{.Secrets.name}}'",
      '',
      '  # Build/push the website image to source registry',
      `  - cmd: docker build -t {{.Run.Registry}}/my-website:{{.Run.ID}} ${git.url('aci-helloworld')}`,
      '  - push:',
      '    - "{{.Run.Registry}}/my-website:{{.Run.ID}}"',
      '',
      '  # Login with the identity and list the tags to verify that we have the image!',
      '  - cmd: dockyard/cli login --identity',
      '  - cmd: dockyard/cli acr repository show-tags -n {{.Values.registryName}} --repository my-website',
      '',
    ].join('\n'),
  );
  s = await startTestServer({ engine: 'docker' });
  cli = cliFor(s.dataDir);
});
after(async () => {
  await s.cleanup();
  await git.stop();
  rmSync(work, { recursive: true, force: true });
});

function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) {
        if (n !== 'docker' && n !== 'blobs' && n !== 'library') walk(p);
      } else if (st.size < 50 * 1024 * 1024 && readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

test(
  'seed B: user-assigned identity reads a Key Vault secret, builds, pushes, logs in inside a step, lists tags',
  { timeout: 600_000 },
  async () => {
    const ok = async (...args: string[]) => {
      const r = await cli(...args);
      assert.equal(r.code, 0, `${args.join(' ')}\n${r.stderr}`);
      return r.stdout;
    };
    await ok('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus');
    await ok('acr', 'create', '-g', 'myResourceGroup', '-n', 'myregistry', '--sku', 'Premium');
    await ok(
      'keyvault',
      'create',
      '--name',
      'mykeyvault',
      '--resource-group',
      'myResourceGroup',
      '--location',
      'eastus',
    );
    await ok(
      'keyvault',
      'secret',
      'set',
      '--name',
      'SampleSecret',
      '--value',
      SECRET,
      '--description',
      'ACRTasksecret',
      '--vault-name',
      'mykeyvault',
    );
    await ok('identity', 'create', '--resource-group', 'myResourceGroup', '--name', 'myACRTasksId');
    const resourceID = (
      await ok(
        'identity',
        'show',
        '--resource-group',
        'myResourceGroup',
        '--name',
        'myACRTasksId',
        '--query',
        'id',
        '--output',
        'tsv',
      )
    ).trim();
    const principalID = (
      await ok(
        'identity',
        'show',
        '--resource-group',
        'myResourceGroup',
        '--name',
        'myACRTasksId',
        '--query',
        'principalId',
        '--output',
        'tsv',
      )
    ).trim();
    await ok(
      'role',
      'assignment',
      'create',
      '--role',
      'reader',
      '--resource-group',
      'myResourceGroup',
      '--assignee',
      principalID,
    );
    const created = JSON.parse(
      await ok(
        'acr',
        'task',
        'create',
        '-n',
        'msitask',
        '--registry',
        'myregistry',
        '--context',
        '/dev/null',
        '--file',
        taskFile,
        '--pull-request-trigger-enabled',
        'false',
        '--commit-trigger-enabled',
        'false',
        '--assign-identity',
        resourceID,
      ),
    );
    assert.equal(created.identity.type, 'UserAssigned');
    assert.ok(created.identity.userAssignedIdentities[resourceID]);

    // Without the vault policy the secret cannot be read: the run fails, naming the identity and the secret.
    const denied = await cli(
      'acr',
      'task',
      'run',
      '--name',
      'msitask',
      '--registry',
      'myregistry',
      '--set',
      'registryName=myregistry',
    );
    assert.notEqual(denied.code, 0);
    assert.match(denied.stdout, /Forbidden/);
    assert.match(denied.stdout, new RegExp(principalID));
    assert.match(denied.stdout, /SampleSecret/);
    assert.ok(!denied.stdout.includes('Secret resolved'));

    await ok(
      'keyvault',
      'set-policy',
      '--name',
      'mykeyvault',
      '--resource-group',
      'myResourceGroup',
      '--object-id',
      principalID,
      '--secret-permissions',
      'get',
    );
    const run = await cli(
      'acr',
      'task',
      'run',
      '--name',
      'msitask',
      '--registry',
      'myregistry',
      '--set',
      'registryName=myregistry',
    );
    const log = run.stdout;
    assert.equal(run.code, 0, `${run.stderr}\n${log}`);
    const runId = /Queued a run with ID: (\w+)/.exec(run.stderr)![1];
    assert.match(log, /Launching container with name: acb_step_0\nSecret resolved\n/);
    assert.match(log, /Step 1\/5 : FROM busybox/);
    assert.match(log, new RegExp(`Successfully tagged 127\\.0\\.0\\.1:\\d+/my-website:${runId}`));
    assert.match(log, new RegExp(`Pushing image: 127\\.0\\.0\\.1:\\d+/my-website:${runId}, attempt 1`));
    assert.match(
      log,
      /"assignedIdentityInfo": "MSIResource-\/subscriptions\/[^"]+\/userAssignedIdentities\/myACRTasksId"/,
    );
    assert.match(log, new RegExp(`Launching container with name: acb_step_4\\n\\[\\n  "${runId}"\\n\\]\\n`));
    for (let i = 0; i < 5; i++) assert.match(log, new RegExp(`Step ID: acb_step_${i} marked as successful`));
    assert.match(log, new RegExp(`Run ID: ${runId} was successful after \\d+s`));

    // The secret value appears in no log, no API response and no file outside the vault.
    assert.ok(!log.includes(SECRET) && !run.stderr.includes(SECRET));
    const shown = await ok('acr', 'task', 'show', '-n', 'msitask', '-r', 'myregistry', '--with-secure-properties');
    assert.ok(!shown.includes(SECRET));
    assert.deepEqual(filesContaining(s.dataDir, SECRET), []);
  },
);
