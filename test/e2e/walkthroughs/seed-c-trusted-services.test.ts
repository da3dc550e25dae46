import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { makeGitRepo } from '../../helpers/git-context.js';
import { LOCAL_ADMIN_OBJECT_ID } from '../../../src/identity/index.js';

// Seed walkthrough C (seed 001): a task in one registry pulls its base image from a second, network-restricted
// registry as a trusted service, with its system-assigned identity; turning trusted services off breaks it; a
// user-assigned identity never gets through; a plain client is refused; `acr import` follows the same switch.
let s: TestServer;
let cli: ReturnType<typeof cliFor>;
let work: string;
let repo: { path: string; head: string };
const login: Record<string, string> = {};
const ids: Record<string, string> = {};

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-seed-c-'));
  s = await startTestServer({ engine: 'docker' });
  cli = cliFor(s.dataDir);
  repo = makeGitRepo(join(work, 'acr-tasks'), {
    'baseimage/task.yaml': [
      'version: v1.0.0',
      'steps:',
      '  - build: -t {{.Run.Registry}}/hello-world:{{.Run.ID}} --build-arg REGISTRY_NAME={{.Values.REGISTRY_NAME}} -f Dockerfile-app .',
      '  - push: ["{{.Run.Registry}}/hello-world:{{.Run.ID}}"]',
      '',
    ].join('\n'),
    'baseimage/Dockerfile-app': 'ARG REGISTRY_NAME\nFROM ${REGISTRY_NAME}/baseimages/base:1\nLABEL seed=c\n',
  });
  assert.equal((await cli('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus')).code, 0);
  for (const r of ['mybaseregistry', 'myregistry']) {
    const c = await cli('acr', 'create', '-g', 'myResourceGroup', '-n', r, '--sku', 'Premium');
    assert.equal(c.code, 0, c.stderr);
    login[r] = JSON.parse(c.stdout).loginServer;
    ids[r] = JSON.parse(c.stdout).id;
  }
  // Prepare the base registry: push a base image (a quick build of the library's busybox) while it is still public.
  const ctxDir = join(work, 'base');
  mkdirSync(ctxDir);
  writeFileSync(join(ctxDir, 'Dockerfile'), 'FROM busybox\nLABEL role=base\n');
  const b = await cli('acr', 'build', '-r', 'mybaseregistry', '-t', 'baseimages/base:1', ctxDir);
  assert.equal(b.code, 0, `${b.stderr}\n${b.stdout}`);
  // The build left the image in the engine's cache; drop it so the task below really pulls it from the registry.
  await (await s.platform.runner.engine()).removeImage(`${login.mybaseregistry}/baseimages/base:1`, true);
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** A plain client on the host (async: the server runs in this process). */
function skopeoInspect(ref: string, creds: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'skopeo',
      ['inspect', '--tls-verify=false', '--creds', creds, `docker://${ref}`],
      { encoding: 'utf8', timeout: 60_000 },
      (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

const runTask = (name: string) =>
  cli(
    'acr',
    'task',
    'run',
    '--name',
    name,
    '--registry',
    'myregistry',
    '--set',
    `REGISTRY_NAME=${login.mybaseregistry}`,
  );
const DENIED_AT_LOGIN = (server: string) =>
  new RegExp(
    `Logging in to registry: ${server.replace(/\./g, '\\.')}\\n(.*\\n)*?.*denied: client with IP '127\\.0\\.0\\.1' is not allowed access\\. Refer https://aka\\.ms/acr/firewall to grant access\\.`,
  );

test(
  'seed C: trusted services reach a network-restricted registry with a system-assigned identity only',
  { timeout: 600_000 },
  async () => {
    const base = login.mybaseregistry;
    // Task with a system-assigned identity, AcrPull on the base registry, and a credential for it.
    const create = await cli(
      'acr',
      'task',
      'create',
      '--registry',
      'myregistry',
      '--name',
      'basetask',
      '--context',
      `file://${repo.path}#:baseimage`,
      '--file',
      'task.yaml',
      '--commit-trigger-enabled',
      'false',
      '--pull-request-trigger-enabled',
      'false',
      '--assign-identity',
    );
    assert.equal(create.code, 0, create.stderr);
    const principalId = JSON.parse(create.stdout).identity.principalId as string;
    assert.equal(
      (
        await cli(
          'role',
          'assignment',
          'create',
          '--assignee',
          principalId,
          '--scope',
          ids.mybaseregistry,
          '--role',
          'acrpull',
        )
      ).code,
      0,
    );
    assert.equal(
      (
        await cli(
          'acr',
          'task',
          'credential',
          'add',
          '--name',
          'basetask',
          '--registry',
          'myregistry',
          '--login-server',
          base,
          '--use-identity',
          '[system]',
        )
      ).code,
      0,
    );

    // The same with a user-assigned identity.
    const uai = await cli('identity', 'create', '-g', 'myResourceGroup', '-n', 'myuseridentity');
    assert.equal(uai.code, 0, uai.stderr);
    const ua = JSON.parse(uai.stdout) as { id: string; clientId: string; principalId: string };
    const createUa = await cli(
      'acr',
      'task',
      'create',
      '--registry',
      'myregistry',
      '--name',
      'uatask',
      '--context',
      `file://${repo.path}#:baseimage`,
      '--file',
      'task.yaml',
      '--commit-trigger-enabled',
      'false',
      '--pull-request-trigger-enabled',
      'false',
      '--assign-identity',
      ua.id,
    );
    assert.equal(createUa.code, 0, createUa.stderr);
    assert.equal(
      (
        await cli(
          'role',
          'assignment',
          'create',
          '--assignee',
          ua.principalId,
          '--scope',
          ids.mybaseregistry,
          '--role',
          'acrpull',
        )
      ).code,
      0,
    );
    assert.equal(
      (
        await cli(
          'acr',
          'task',
          'credential',
          'add',
          '--name',
          'uatask',
          '--registry',
          'myregistry',
          '--login-server',
          base,
          '--use-identity',
          ua.clientId,
        )
      ).code,
      0,
    );

    // Restrict the base registry: no public access (trusted services stay allowed: the default).
    const upd = await cli('acr', 'update', '--name', 'mybaseregistry', '--public-network-enabled', 'false');
    assert.equal(upd.code, 0, upd.stderr);
    assert.equal(JSON.parse(upd.stdout).publicNetworkAccess, 'Disabled');
    assert.equal(JSON.parse(upd.stdout).networkRuleBypassOptions, 'AzureServices');

    // A plain client on the host is refused, even with the local admin's credentials.
    const plain = await skopeoInspect(`${base}/baseimages/base:1`, `${LOCAL_ADMIN_OBJECT_ID}:${s.platform.admin.key}`);
    assert.notEqual(plain.code, 0);
    assert.match(plain.stderr, /403|denied/i);

    // The task (trusted service, system-assigned identity) logs in and builds FROM the restricted registry.
    const ok = await runTask('basetask');
    assert.equal(ok.code, 0, `${ok.stderr}\n${ok.stdout}`);
    assert.match(ok.stdout, new RegExp(`Logging in to registry: ${base}\\n.*Successfully logged into ${base}`));
    assert.match(
      ok.stdout,
      /Step 2\/3 : FROM \$\{REGISTRY_NAME\}\/baseimages\/base:1\n(.*\n)*?1: Pulling from baseimages\/base\n/,
    );
    assert.match(
      ok.stdout,
      new RegExp(
        `runtime-dependency:\\n {4}registry: ${base.replace(/\./g, '\\.')}\\n {4}repository: baseimages/base\\n {4}tag: "1"\\n {4}digest: sha256:[0-9a-f]{64}`,
      ),
    );
    assert.match(ok.stdout, /Run ID: \w+ was successful after \d+s/);

    // User-assigned identity with the same role: refused at login.
    const uaRun = await runTask('uatask');
    assert.notEqual(uaRun.code, 0);
    assert.match(uaRun.stdout, DENIED_AT_LOGIN(base));

    // Import from the restricted registry works while trusted services are allowed.
    const imp = await cli(
      'acr',
      'import',
      '-n',
      'myregistry',
      '--source',
      `${base}/baseimages/base:1`,
      '-t',
      'imported/base:1',
    );
    assert.equal(imp.code, 0, imp.stderr);

    // Trusted services off: the same run fails at login with the firewall's error; import is refused too.
    assert.equal((await cli('acr', 'update', '--name', 'mybaseregistry', '--allow-trusted-services', 'false')).code, 0);
    const blocked = await runTask('basetask');
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stdout, DENIED_AT_LOGIN(base));
    assert.match(blocked.stderr, /Run failed/);
    const uaBlocked = await runTask('uatask');
    assert.notEqual(uaBlocked.code, 0);
    assert.match(uaBlocked.stdout, DENIED_AT_LOGIN(base));
    const impDenied = await cli(
      'acr',
      'import',
      '-n',
      'myregistry',
      '--source',
      `${base}/baseimages/base:1`,
      '-t',
      'imported/base:2',
    );
    assert.equal(impDenied.code, 1);
    assert.match(impDenied.stderr, /ImportSourceNetworkDenied/);
  },
);
