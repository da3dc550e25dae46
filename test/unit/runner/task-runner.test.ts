import { EventEmitter } from 'node:events';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { FakeEngine } from '../../../src/tasks/engine/index.js';
import { TaskRunner, loadTaskFileWithSpec, type RunnerDeps } from '../../../src/tasks/index.js';
import { RunLogWriter } from '../../../src/tasks/runs/run-log.js';
import { makeGitRepo } from '../../helpers/git-context.js';
import type { RunRecord } from '../../../src/tasks/runs/model.js';

/** A tiny token peer: /v2/ challenges, /oauth2/token accepts `good` basic creds, /oauth2/exchange accepts `aad-ok`. */
let peer: Server;
let login: string;
let dir: string;
before(async () => {
  peer = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/v2/') {
      res
        .writeHead(401, { 'www-authenticate': `Bearer realm="http://${login}/oauth2/token",service="${login}"` })
        .end();
    } else if (url.pathname === '/oauth2/token') {
      const auth = Buffer.from(String(req.headers.authorization ?? '').replace('Basic ', ''), 'base64').toString();
      if (auth.endsWith(':refresh-ok') || auth === 'runner:runner-pass')
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"x"}');
      else
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    } else if (url.pathname === '/oauth2/exchange') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const p = new URLSearchParams(body);
        if (p.get('access_token') === 'aad-ok')
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"refresh_token":"refresh-ok"}');
        else
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"errors":[{"code":"UNAUTHORIZED","message":"the identity has no access to this registry"}]}');
      });
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => peer.listen(0, '127.0.0.1', () => r()));
  login = `127.0.0.1:${(peer.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'dockyard-runner-'));
});
after(async () => {
  peer.close();
  rmSync(dir, { recursive: true, force: true });
});

function deps(engine: FakeEngine, over: Partial<RunnerDeps> = {}): RunnerDeps {
  return {
    engine: async () => engine,
    registryByName: async (name) => ({
      id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/${name}`,
      name,
      loginServer: login,
    }),
    apiEndpoint: () => 'http://127.0.0.1:1',
    identityToken: async (principal) => (principal === 'good-principal' ? 'aad-ok' : 'aad-bad'),
    readSecret: async (principal, url) => {
      if (principal !== 'good-principal')
        throw new Error(`Forbidden: principal ${principal} has no get permission on ${url}`);
      return 'Hello ACR Tasks!';
    },
    sourceRegistryCredential: async () => ({ username: 'runner', password: 'runner-pass' }),
    createWorkloadBinding: async () => ({ secret: 'binding-secret-123', endpoint: 'http://127.0.0.1:1/msi/token' }),
    revokeWorkloadBinding: async () => undefined,
    workDir: join(dir, 'work'),
    loadTaskFile: loadTaskFileWithSpec,
    scanDockerfile: () => ({ runtime: 'hello-world:latest', buildtime: [] }),
    ...over,
  };
}

let seq = 0;
function record(yaml: string, over: Partial<RunRecord['request']> = {}, timeout = 600): RunRecord {
  seq++;
  return {
    registryName: 'myregistry',
    runId: `ca${seq}`,
    seq,
    taskName: 't1',
    status: 'Started',
    runType: 'QuickRun',
    createTime: new Date().toISOString(),
    startTime: new Date().toISOString(),
    finishTime: null,
    lastUpdatedTime: new Date().toISOString(),
    logToken: 'x',
    timeout,
    result: {},
    request: {
      registryName: 'myregistry',
      registryId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/myregistry',
      resourceGroup: 'rg',
      taskId: null,
      taskName: 't1',
      step: {
        type: 'EncodedTask',
        contextPath: null,
        contextAccessToken: null,
        encodedTaskContent: Buffer.from(yaml).toString('base64'),
        encodedValuesContent: null,
        values: [],
        baseImageDependencies: null,
      },
      platform: { os: 'linux', architecture: 'amd64', variant: null },
      credentials: { sourceRegistry: { loginMode: 'Default' }, customRegistries: {} },
      identity: null,
      values: [],
      secureValues: {},
      uploadedContext: null,
      trigger: { kind: 'Manual' },
      ...over,
    },
  };
}

async function execute(
  engine: FakeEngine,
  run: RunRecord,
  over: Partial<RunnerDeps> = {},
  signal = new AbortController().signal,
) {
  // A log file, as an agent keeps one (the server stores run logs in the database).
  mkdirSync(join(dir, 'logs', 'myregistry'), { recursive: true });
  const log = new RunLogWriter(join(dir, 'logs', 'myregistry', `${run.runId}.log`), new EventEmitter(), run.runId);
  const outcome = await new TaskRunner(deps(engine, over)).execute({
    run,
    log,
    signal,
    markRunning: async () => undefined,
  });
  log.close();
  return { outcome, text: readFileSync(join(dir, 'logs', 'myregistry', `${run.runId}.log`), 'utf8') };
}

test('a build + push task logs in, builds, pushes and reports in ACR format', async () => {
  const engine = new FakeEngine();
  const yaml = `version: v1.0.0\nsteps:\n  - build: -t {{.Run.Registry}}/hello-world:{{.Run.ID}} . -f hello-world.dockerfile\n  - push: ["{{.Run.Registry}}/hello-world:{{.Run.ID}}"]\n`;
  const run = record(yaml);
  // Server-side contexts are git URLs (a plain host directory is refused): a local repository through file://.
  const ctx = makeGitRepo(join(dir, 'ctx1'), { 'hello-world.dockerfile': 'FROM hello-world\n' }).path;
  run.request.step.contextPath = `file://${ctx}`;
  const { outcome, text } = await execute(engine, run);
  assert.equal(outcome.status, 'Succeeded', text);
  assert.match(text, new RegExp(`Logging in to registry: ${login}\\n.*Successfully logged into ${login}`));
  assert.match(text, /Executing step ID: acb_step_0\. Timeout\(sec\): 600, Working directory: '', Network: 'host'/);
  assert.match(
    text,
    /Scanning for dependencies\.\.\.\n.*Successfully scanned dependencies\n.*Launching container with name: acb_step_0/,
  );
  assert.match(text, new RegExp(`Pushing image: ${login}/hello-world:${run.runId}, attempt 1`));
  assert.match(
    text,
    /Step ID: acb_step_0 marked as successful \(elapsed time in seconds: \d+\.\d{6}\)\n.*Populating digests for step ID: acb_step_0\.\.\.\n.*Successfully populated digests for step ID: acb_step_0\n.*Step ID: acb_step_1 marked as successful/,
  );
  assert.match(
    text,
    /The following dependencies were found:\n.*\n- image:\n {4}registry: 127\.0\.0\.1:\d+\n {4}repository: hello-world\n {4}tag: ca\d+\n {4}digest: sha256:[0-9a-f]{64}\n {2}runtime-dependency:\n {4}registry: registry\.hub\.docker\.com\n {4}repository: library\/hello-world\n {4}tag: latest/,
  );
  assert.ok(!text.includes('runner-pass'));
  assert.equal(outcome.result?.outputImages?.[0]?.repository, 'hello-world');
});

test('a custom registry with a managed identity logs in through the token exchange; a denied identity fails at login', async () => {
  const engine = new FakeEngine();
  const yaml = 'version: v1.0.0\nsteps:\n  - cmd: busybox echo hi\n';
  const ok = record(yaml, {
    identity: { type: 'SystemAssigned', principalId: 'good-principal', tenantId: 't', userAssignedIdentities: null },
    credentials: {
      sourceRegistry: { loginMode: 'None' },
      customRegistries: { [login]: { identity: '[system]', userName: null, password: null } },
    },
  });
  const r1 = await execute(engine, ok);
  assert.equal(r1.outcome.status, 'Succeeded', r1.text);
  const bad = record(yaml, {
    identity: { type: 'SystemAssigned', principalId: 'other-principal', tenantId: 't', userAssignedIdentities: null },
    credentials: {
      sourceRegistry: { loginMode: 'None' },
      customRegistries: { [login]: { identity: '[system]', userName: null, password: null } },
    },
  });
  const r2 = await execute(engine, bad);
  assert.equal(r2.outcome.status, 'Failed');
  assert.match(
    r2.text,
    /failed to login, ran out of retries: failed to set docker credentials: unauthorized: the identity has no access to this registry/,
  );
});

test('secrets are resolved with the identity and masked; a forbidden secret fails the run with its name', async () => {
  const engine = new FakeEngine();
  engine.onRun('bash', (o) => ({ stdout: `value=${(o.env as Record<string, string>).MY_SECRET}\n` }));
  const yaml =
    "version: v1.0.0\nsecrets:\n  - id: name\n    keyvault: https://mykeyvault.vault.azure.net/secrets/SampleSecret\nsteps:\n  - cmd: bash -c 'echo $MY_SECRET'\n    env:\n      - MY_SECRET='{{.Secrets.name}}'\n";
  const ok = record(yaml, {
    identity: {
      type: 'UserAssigned',
      principalId: null,
      tenantId: null,
      userAssignedIdentities: { '/x/id': { clientId: 'c1', principalId: 'good-principal' } },
    },
  });
  const r1 = await execute(engine, ok);
  assert.equal(r1.outcome.status, 'Succeeded', r1.text);
  assert.match(r1.text, /value=\*\*\*/);
  assert.ok(!r1.text.includes('Hello ACR Tasks!'));
  const run = engine.calls.find((c) => c.op === 'run')!.args as { env: Record<string, string> };
  assert.equal(run.env.MY_SECRET, 'Hello ACR Tasks!');
  assert.equal(run.env.IDENTITY_HEADER, 'binding-secret-123');
  assert.ok(!r1.text.includes('binding-secret-123'));
  const denied = record(yaml, {
    identity: {
      type: 'UserAssigned',
      principalId: null,
      tenantId: null,
      userAssignedIdentities: { '/x/id': { clientId: 'c1', principalId: 'nobody' } },
    },
  });
  const r2 = await execute(engine, denied);
  assert.equal(r2.outcome.status, 'Failed');
  assert.match(
    r2.outcome.errorMessage!,
    /failed to resolve secret name \(https:\/\/mykeyvault\.vault\.azure\.net\/secrets\/SampleSecret\): Forbidden: principal nobody/,
  );
});

test('when-graph: parallel roots, a failing step aborts the run and later steps are skipped; ignoreErrors continues', async () => {
  const engine = new FakeEngine();
  engine.onRun((o) => (o.args ?? []).includes('fail'), { exitCode: 3, stderr: 'boom\n' });
  const yaml = [
    'version: v1.0.0',
    'steps:',
    '  - id: a',
    '    cmd: busybox echo a',
    '    when: ["-"]',
    '  - id: b',
    '    cmd: busybox fail',
    '    when: ["-"]',
    '    ignoreErrors: true',
    '  - id: c',
    '    cmd: busybox fail',
    '    when: [a, b]',
    '  - id: d',
    '    cmd: busybox echo d',
    '',
  ].join('\n');
  const { outcome, text } = await execute(engine, record(yaml));
  assert.equal(outcome.status, 'Failed');
  assert.equal(outcome.errorMessage, 'failed to run step ID: c: exit status 3');
  assert.match(text, /Step ID: b encountered an error: exit status 3, but is set to ignore errors\. Continuing\.\.\./);
  assert.match(text, /Step ID: a marked as successful/);
  assert.match(text, /Step ID: c marked as failed/);
  assert.match(text, /Step ID: d marked as skipped/);
});

test('retries re-run a failing container; a step timeout kills it and says timed out', async () => {
  const engine = new FakeEngine();
  let calls = 0;
  engine.onRun(
    (o) => (o.args ?? []).includes('flaky'),
    () => ({ exitCode: ++calls < 3 ? 1 : 0 }),
  );
  engine.onRun((o) => (o.args ?? []).includes('hang'), { hang: true });
  const yaml =
    'version: v1.0.0\nsteps:\n  - cmd: busybox flaky\n    retries: 2\n    retryDelay: 1\n  - cmd: busybox hang\n    timeout: 1\n';
  const { outcome, text } = await execute(engine, record(yaml));
  assert.equal(calls, 3);
  assert.match(text, /Container failed during run: acb_step_0, waiting 1 seconds before retrying\.\.\./);
  assert.equal(outcome.status, 'Failed');
  assert.equal(outcome.errorMessage, 'failed to run step ID: acb_step_1: timed out');
});

test('a bad task file fails the run with file:line:column', async () => {
  const { outcome } = await execute(
    new FakeEngine(),
    record('version: v1.0.0\nsteps:\n  - cmd: busybox\n    build: x\n'),
  );
  assert.equal(outcome.status, 'Failed');
  assert.match(
    outcome.errorMessage!,
    /acb\.yaml:\d+:\d+: step must only contain a single build, cmd, or push property/,
  );
});

test('custom registry credentials given as Key Vault secret URIs are read with the task identity and masked', async () => {
  const engine = new FakeEngine();
  const yaml = 'version: v1.0.0\nsteps:\n  - cmd: busybox echo hi\n';
  const vaultCred = {
    identity: '[system]',
    userName: { type: 'Vaultsecret' as const, value: 'https://kv.vault.azure.net/secrets/user' },
    password: { type: 'Vaultsecret' as const, value: 'https://kv.vault.azure.net/secrets/pass' },
  };
  const run = record(yaml, {
    identity: { type: 'SystemAssigned', principalId: 'good-principal', tenantId: 't', userAssignedIdentities: null },
    credentials: { sourceRegistry: { loginMode: 'None' }, customRegistries: { [login]: vaultCred } },
  });
  const reads: string[] = [];
  let dockerConfig = '';
  const write = engine.writeFilesToVolume.bind(engine);
  engine.writeFilesToVolume = async (volume, files) => {
    const f = (files as Record<string, { content: string }>)['.docker/config.json'];
    if (f) dockerConfig = String(f.content);
    return write(volume, files);
  };
  const { outcome, text } = await execute(engine, run, {
    readSecret: async (principal, url) => {
      reads.push(`${principal} ${url}`);
      return url.endsWith('/user') ? 'runner' : 'runner-pass';
    },
  });
  assert.equal(outcome.status, 'Succeeded', text);
  assert.deepEqual(reads.sort(), [
    'good-principal https://kv.vault.azure.net/secrets/pass',
    'good-principal https://kv.vault.azure.net/secrets/user',
  ]);
  assert.ok(!text.includes('runner-pass'));
  assert.match(
    dockerConfig,
    new RegExp(Buffer.from('runner:runner-pass').toString('base64')),
    'docker config for steps holds the login',
  );
});
