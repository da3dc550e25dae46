import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { makeGitRepo } from '../../helpers/git-context.js';
import { startGitDaemon } from '../../helpers/git-daemon.js';
import { hostsTag } from '../../../src/app/hosts-file.js';

// The seed tutorial "Use an Azure managed identity in ACR Tasks" (shared/seeds/003) with Debian's az 2.45, verbatim,
// against one Dockyard with login servers by name over TLS (`--login-server-suffix`, the local CA, `--manage-hosts`
// entries in /etc/hosts) and the real engine. Every tutorial command runs; the two that crash inside Debian's az
// (`az role assignment create`, `az keyvault secret set`) are shown to crash and their documented `az rest`
// workarounds run instead (docs/designs/azure-cli.md). Plus the data-plane commands: acr login --expose-token,
// repository list/show-tags/delete, acr build, acr import, task create --context /dev/null, task logs.
const run = promisify(execFile);
const SUFFIX = 'aztutorial.test';
const SECRET = 'Hello ACR Tasks!';
let s: TestServer;
let work: string;
let env: NodeJS.ProcessEnv;
let git: Awaited<ReturnType<typeof startGitDaemon>>;
let repo: { path: string; head: string };
const tally: Array<{ command: string; result: 'ok' | 'crash in az (workaround ran)' }> = [];

async function az(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('az', args, { env, encoding: 'utf8', timeout: 600_000, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}
/** A tutorial command that must work as written; counted. */
async function ok(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await az(...args);
  assert.equal(r.code, 0, `az ${args.join(' ')}\n${r.stderr}\n${r.stdout}`);
  tally.push({ command: `az ${args.slice(0, 3).join(' ')}`, result: 'ok' });
  return { stdout: r.stdout.trim(), stderr: r.stderr };
}
/** A command that crashes inside Debian's az 2.45 (not Dockyard's doing): assert the crash, run the workaround. */
async function crashes(args: string[], why: RegExp, workaround: string[]): Promise<string> {
  const r = await az(...args);
  assert.notEqual(r.code, 0, `az ${args.join(' ')} was expected to crash in Debian's az`);
  assert.match(r.stderr, why);
  const w = await az(...workaround);
  assert.equal(w.code, 0, `workaround az ${workaround.join(' ')}\n${w.stderr}`);
  tally.push({ command: `az ${args.slice(0, 3).join(' ')}`, result: 'crash in az (workaround ran)' });
  return w.stdout.trim();
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-az-tutorial-'));
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
  makeGitRepo(
    join(work, 'repos', 'aci-helloworld'),
    {
      Dockerfile: 'FROM busybox\nRUN mkdir -p /usr/src/app\nCOPY ./app/* /usr/src/app/\nWORKDIR /usr/src/app\n',
      'app/index.html': '<h1>Welcome to Azure Container Instances!</h1>\n',
    },
    'master',
  );
  git = await startGitDaemon(join(work, 'repos'));
  s = await startTestServer({ engine: 'docker', loginServerSuffix: SUFFIX, tlsPort: 0, manageHosts: true } as never);
  env = {
    ...process.env,
    AZURE_CONFIG_DIR: join(work, 'azure'),
    REQUESTS_CA_BUNDLE: join(s.dataDir, 'tls', 'ca.crt'),
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    AZURE_CORE_SURVEY_MESSAGE: 'false',
    AZURE_CORE_NO_COLOR: 'true',
    AZURE_CORE_ONLY_SHOW_ERRORS: 'false',
  };
  // The two setup commands of docs/designs/azure-cli.md: the cloud, and a service principal to sign in with.
  const cli = cliFor(s.dataDir, { AZURE_CONFIG_DIR: env.AZURE_CONFIG_DIR });
  const reg = await cli('az-cloud', '--register');
  assert.equal(reg.code, 0, reg.stderr);
  const sp = await cli(
    'ad',
    'sp',
    'create-for-rbac',
    '--name',
    'tutorial',
    '--role',
    'Owner',
    '--scopes',
    `/subscriptions/${s.sub}`,
  );
  assert.equal(sp.code, 0, sp.stderr);
  const { appId, password, tenant } = JSON.parse(sp.stdout) as Record<string, string>;
  await ok('login', '--service-principal', '-u', appId, '-p', password, '--tenant', tenant);
});

after(async () => {
  const tag = hostsTag(s.dataDir);
  await s.cleanup();
  await git.stop();
  rmSync(work, { recursive: true, force: true });
  assert.ok(!readFileSync('/etc/hosts', 'utf8').includes(`# dockyard:${tag}`), 'hosts entries removed on stop');
});

test(
  'the managed-identity tutorial with Debian az, verbatim, login servers by name over TLS',
  { timeout: 1_800_000 },
  async () => {
    const port = s.platform.names!.front.port;
    const ls = (r: string) => `${r}.${SUFFIX}:${port}`;
    const hosts = readFileSync('/etc/hosts', 'utf8');
    assert.match(
      hosts,
      new RegExp(`^127\\.0\\.0\\.1\\tdockyard\\.blob\\.${SUFFIX.replace('.', '\\.')}\\t# dockyard:`, 'm'),
    );

    // Create container registries (the quickstart the tutorial points to).
    await ok('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus');
    for (const r of ['myregistry', 'customregistry1', 'customregistry2']) {
      const created = JSON.parse(
        (await ok('acr', 'create', '--resource-group', 'myResourceGroup', '--name', r, '--sku', 'Premium')).stdout,
      );
      assert.equal(created.loginServer, ls(r));
    }
    assert.match(readFileSync('/etc/hosts', 'utf8'), new RegExp(`^127\\.0\\.0\\.1\\tcustomregistry2\\.${SUFFIX}`, 'm'));

    // Example: task with a system-assigned identity.
    const task = JSON.parse(
      (
        await ok(
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
        )
      ).stdout,
    );
    assert.equal(task.identity.type, 'SystemAssigned');
    const principalId = (
      await ok(
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
    ).stdout;
    assert.equal(principalId, task.identity.principalId);
    const reg1 = (await ok('acr', 'show', '--name', 'customregistry1', '--query', 'id', '--output', 'tsv')).stdout;
    const reg2 = (await ok('acr', 'show', '--name', 'customregistry2', '--query', 'id', '--output', 'tsv')).stdout;
    const ACR_PUSH = '8311e382-0749-4cb8-b61a-304f252e45ec';
    for (const scope of [reg1, reg2]) {
      await crashes(
        ['role', 'assignment', 'create', '--assignee', principalId, '--scope', scope, '--role', 'acrpush'],
        /RoleAssignmentsOperations' object has no attribute 'config'/,
        [
          'rest',
          '--method',
          'put',
          '--url',
          `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
          '--body',
          JSON.stringify({
            properties: {
              roleDefinitionId: `${scope}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PUSH}`,
              principalId,
            },
          }),
        ],
      );
    }
    for (const r of ['customregistry1', 'customregistry2'])
      await ok(
        'acr',
        'task',
        'credential',
        'add',
        '--name',
        'multiple-reg',
        '--registry',
        'myregistry',
        '--login-server',
        ls(r),
        '--use-identity',
        '[system]',
      );
    const runA = await ok(
      'acr',
      'task',
      'run',
      '--name',
      'multiple-reg',
      '--registry',
      'myregistry',
      '--set',
      `REGISTRY1=${ls('customregistry1')}`,
      '--set',
      `REGISTRY2=${ls('customregistry2')}`,
    );
    const runIdA = /Queued a run with ID: (\w+)/.exec(runA.stderr)![1];
    for (const r of ['customregistry1', 'customregistry2', 'myregistry'])
      assert.match(runA.stdout, new RegExp(`Successfully logged into ${ls(r)}`));
    assert.match(runA.stdout, new RegExp(`Successfully pushed image: ${ls('customregistry1')}/hello-world:${runIdA}`));
    assert.match(runA.stdout, new RegExp(`Successfully pushed image: ${ls('customregistry2')}/hello-world:${runIdA}`));
    assert.match(runA.stdout, new RegExp(`Run ID: ${runIdA} was successful after \\d+s`));

    // Data plane by name: the pushed images, through az's https://<loginServer>/v2 calls.
    const token = JSON.parse((await ok('acr', 'login', '--name', 'customregistry1', '--expose-token')).stdout);
    assert.equal(token.loginServer, ls('customregistry1'));
    assert.ok(token.accessToken.split('.').length === 3);
    assert.deepEqual(JSON.parse((await ok('acr', 'repository', 'list', '--name', 'customregistry1')).stdout), [
      'hello-world',
    ]);
    assert.deepEqual(
      JSON.parse(
        (await ok('acr', 'repository', 'show-tags', '--name', 'customregistry1', '--repository', 'hello-world')).stdout,
      ),
      [runIdA],
    );
    await ok(
      'acr',
      'import',
      '--name',
      'myregistry',
      '--source',
      `${ls('customregistry1')}/hello-world:${runIdA}`,
      '--image',
      'imported:v1',
    );
    assert.deepEqual(
      JSON.parse(
        (await ok('acr', 'repository', 'show-tags', '--name', 'myregistry', '--repository', 'imported')).stdout,
      ),
      ['v1'],
    );

    // az acr build: the source goes up as a Put Blob on the blob host, the log comes back through it.
    const ctx = join(work, 'build-ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM hello-world\n');
    const build = await ok('acr', 'build', '--registry', 'myregistry', '--image', 'hello:v1', ctx);
    const buildId =
      /Queued a build with ID: (\w+)/.exec(build.stderr)?.[1] ?? /Run ID: (\w+) was successful/.exec(build.stdout)![1];
    assert.match(build.stdout, new RegExp(`Successfully pushed image: ${ls('myregistry')}/hello:v1`));
    const logs = await ok('acr', 'task', 'logs', '--registry', 'myregistry', '--run-id', buildId);
    assert.match(logs.stdout, new RegExp(`Run ID: ${buildId} was successful after`));
    await ok('acr', 'repository', 'delete', '--name', 'myregistry', '--repository', 'hello', '--yes');
    assert.deepEqual(JSON.parse((await ok('acr', 'repository', 'list', '--name', 'myregistry')).stdout), ['imported']);

    // Example: task with a user-assigned identity (Key Vault secret, build from git, push, identity inside a step).
    await ok('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus');
    const vault = JSON.parse(
      (
        await ok(
          'keyvault',
          'create',
          '--name',
          'mykeyvault',
          '--resource-group',
          'myResourceGroup',
          '--location',
          'eastus',
        )
      ).stdout,
    );
    const vaultUri = `https://mykeyvault.vault.${SUFFIX}:${port}/`;
    assert.equal(vault.properties.vaultUri, vaultUri);
    await crashes(
      [
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
      ],
      /No module named 'azure\.keyvault\.v7_0'/,
      [
        'rest',
        '--method',
        'put',
        '--resource',
        'https://vault.azure.net',
        '--url',
        `${vaultUri}secrets/SampleSecret?api-version=7.4`,
        '--body',
        JSON.stringify({ value: SECRET, contentType: 'ACRTasksecret' }),
      ],
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
    ).stdout;
    const spID = (
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
    ).stdout;
    await ok(
      'keyvault',
      'set-policy',
      '--name',
      'mykeyvault',
      '--resource-group',
      'myResourceGroup',
      '--object-id',
      spID,
      '--secret-permissions',
      'get',
    );
    const rgScope = `/subscriptions/${s.sub}/resourceGroups/myResourceGroup`;
    const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
    await crashes(
      ['role', 'assignment', 'create', '--role', 'reader', '--resource-group', 'myResourceGroup', '--assignee', spID],
      /RoleAssignmentsOperations' object has no attribute 'config'/,
      [
        'rest',
        '--method',
        'put',
        '--url',
        `${rgScope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}?api-version=2022-04-01`,
        '--body',
        JSON.stringify({
          properties: {
            roleDefinitionId: `${rgScope}/providers/Microsoft.Authorization/roleDefinitions/${READER}`,
            principalId: spID,
          },
        }),
      ],
    );
    const taskFile = join(work, 'managed-identities.yaml');
    writeFileSync(
      taskFile,
      [
        'version: v1.0.0',
        'secrets:',
        '  - id: name',
        `    keyvault: ${vaultUri}secrets/SampleSecret`,
        'steps:',
        `  - cmd: bash -c 'if [ -z "$MY_SECRET" ]; then echo "Secret not resolved"; else echo "Secret resolved"; fi'`,
        '    env:',
        "      - MY_SECRET='{{.Secrets.name}}'",
        `  - cmd: docker build -t {{.Run.Registry}}/my-website:{{.Run.ID}} ${git.url('aci-helloworld')}`,
        '  - push:',
        '    - "{{.Run.Registry}}/my-website:{{.Run.ID}}"',
        '',
      ].join('\n'),
    );
    // From a local file: az sends it inline (its --context /dev/null form, `version: v1.1.0` prepended).
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
    );
    const runB = await ok(
      'acr',
      'task',
      'run',
      '--name',
      'msitask',
      '--registry',
      'myregistry',
      '--set',
      'registryName=myregistry',
      '--set',
      `resourceID=${resourceID}`,
    );
    const runIdB = /Queued a run with ID: (\w+)/.exec(runB.stderr)![1];
    assert.match(runB.stdout, /Secret resolved/);
    assert.match(runB.stdout, new RegExp(`Successfully pushed image: ${ls('myregistry')}/my-website:${runIdB}`));
    assert.ok(!runB.stdout.includes(SECRET));
    const runs = JSON.parse((await ok('acr', 'task', 'list-runs', '--registry', 'myregistry')).stdout) as Array<{
      runId: string;
      status: string;
    }>;
    for (const id of [runIdA, buildId, runIdB]) assert.equal(runs.find((r) => r.runId === id)?.status, 'Succeeded', id);

    const crashed = tally.filter((t) => t.result !== 'ok');
    console.log(
      `az tutorial: ${tally.length} commands, ${tally.length - crashed.length} ran as written, ${crashed.length} crashed inside Debian's az and ran through their az rest workaround`,
    );
    assert.deepEqual([...new Set(crashed.map((t) => t.command))].sort(), [
      'az keyvault secret set',
      'az role assignment create',
    ]);
  },
);
