// Issue 12, item 2 (runner side): a task file, values file or Dockerfile that is a symlink out of the context, or a
// path climbing out of it, must not be read; the runner also re-checks the source policy before fetching anything.
import { EventEmitter } from 'node:events';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeEngine } from '../../src/tasks/engine/index.js';
import { TaskRunner, loadTaskFileWithSpec, type RunnerDeps } from '../../src/tasks/index.js';
import { RunLogWriter } from '../../src/tasks/runs/run-log.js';
import type { RunRecord, RunRequest } from '../../src/tasks/runs/model.js';
import { makeGitRepo } from '../helpers/git-context.js';

const SECRET = 'TOP-SECRET-SIGNING-KEY-0123456789';
let dir: string;
let dataDir: string;
let secretFile: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockyard-sec-ctx-'));
  dataDir = join(dir, 'data');
  mkdirSync(join(dataDir, 'keys'), { recursive: true });
  secretFile = join(dataDir, 'admin.key');
  writeFileSync(secretFile, `${SECRET}\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function deps(): RunnerDeps {
  return {
    engine: async () => new FakeEngine(),
    registryByName: async (name) => ({
      id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/${name}`,
      name,
      loginServer: '127.0.0.1:1',
    }),
    apiEndpoint: () => 'http://127.0.0.1:1',
    identityToken: async () => 'x',
    readSecret: async () => 'x',
    sourceRegistryCredential: async () => ({ username: 'u', password: 'p' }),
    createWorkloadBinding: async () => ({ secret: 's', endpoint: 'http://127.0.0.1:1/msi/token' }),
    revokeWorkloadBinding: async () => undefined,
    workDir: join(dir, 'work'),
    sourcePolicy: { dataDir, allowedLocalContextRoots: [] },
    loadTaskFile: loadTaskFileWithSpec,
    scanDockerfile: () => ({ runtime: 'hello-world:latest', buildtime: [] }),
  };
}

let seq = 0;
async function execute(step: RunRequest['step']) {
  seq++;
  const run: RunRecord = {
    registryName: 'secreg',
    runId: `cs${seq}`,
    seq,
    taskName: 't1',
    status: 'Started',
    runType: 'QuickRun',
    createTime: new Date().toISOString(),
    startTime: new Date().toISOString(),
    finishTime: null,
    lastUpdatedTime: new Date().toISOString(),
    logToken: 'x',
    timeout: 600,
    result: {},
    request: {
      registryName: 'secreg',
      registryId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/secreg',
      resourceGroup: 'rg',
      taskId: null,
      taskName: 't1',
      step,
      platform: { os: 'linux', architecture: 'amd64', variant: null },
      credentials: { sourceRegistry: { loginMode: 'None' }, customRegistries: {} },
      identity: null,
      values: [],
      secureValues: {},
      uploadedContext: null,
      trigger: { kind: 'Manual' },
    },
  };
  // A log file, as an agent keeps one (the server stores run logs in the database).
  mkdirSync(join(dir, 'logs', 'secreg'), { recursive: true });
  const log = new RunLogWriter(join(dir, 'logs', 'secreg', `${run.runId}.log`), new EventEmitter(), run.runId);
  const outcome = await new TaskRunner(deps()).execute({
    run,
    log,
    signal: new AbortController().signal,
    markRunning: async () => undefined,
  });
  log.close();
  const text = readFileSync(join(dir, 'logs', 'secreg', `${run.runId}.log`), 'utf8');
  return { outcome, all: `${text}\n${outcome.errorMessage ?? ''}` };
}

const fileTask = (
  contextPath: string,
  taskFilePath: string,
  valuesFilePath: string | null = null,
): RunRequest['step'] => ({
  type: 'FileTask',
  contextPath,
  contextAccessToken: null,
  taskFilePath,
  valuesFilePath,
  values: [],
  baseImageDependencies: null,
});
const encoded = (yaml: string, contextPath: string): RunRequest['step'] => ({
  type: 'EncodedTask',
  contextPath,
  contextAccessToken: null,
  encodedTaskContent: Buffer.from(yaml).toString('base64'),
  encodedValuesContent: null,
  values: [],
  baseImageDependencies: null,
});
const dockerStep = (contextPath: string, dockerFilePath: string): RunRequest['step'] => ({
  type: 'Docker',
  contextPath,
  contextAccessToken: null,
  dockerFilePath,
  imageNames: ['app:1'],
  isPushEnabled: false,
  noCache: false,
  target: null,
  arguments: [],
  baseImageDependencies: null,
});

function refusedWithoutLeak(
  r: { outcome: { status: string }; all: string },
  pattern: RegExp,
  pathGivenByCaller = false,
) {
  assert.equal(r.outcome.status, 'Failed', r.all);
  assert.match(r.all, pattern);
  assert.ok(!r.all.includes(SECRET), 'the file content never reaches the log');
  if (!pathGivenByCaller) assert.ok(!r.all.includes(secretFile), 'the host path a link leads to is not named');
}

/** A git repository whose `name` is a symlink to `target` (plus the given regular files). */
function repoWithLink(name: string, link: string, target: string, files: Record<string, string> = {}): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  symlinkSync(target, join(path, link));
  return makeGitRepo(path, { 'README.md': 'x\n', ...files }).path;
}

test('a task file symlinked out of the context (absolute or relative link) is refused without reading it', async () => {
  const abs = repoWithLink('abs-link', 'acb.yaml', secretFile);
  refusedWithoutLeak(
    await execute(fileTask(`file://${abs}`, 'acb.yaml')),
    /task file 'acb\.yaml' was not found inside the build context/,
  );
  const rel = repoWithLink('rel-link', 'acb.yaml', '../../data/admin.key');
  refusedWithoutLeak(
    await execute(fileTask(`file://${rel}`, 'acb.yaml')),
    /(outside|leads outside) the (build )?context/,
  );
  const values = repoWithLink('values-link', 'values.yaml', secretFile, {
    'acb.yaml': 'version: v1.1.0\nsteps:\n  - cmd: busybox echo {{.Values.x}}\n',
  });
  refusedWithoutLeak(
    await execute(fileTask(`file://${values}`, 'acb.yaml', 'values.yaml')),
    /values file 'values\.yaml' was not found inside the build context/,
  );
});

test('taskFilePath ../../admin.key is refused by the runner too (if it ever got past the API)', async () => {
  const repo = makeGitRepo(join(dir, 'plain-repo'), {
    'acb.yaml': 'version: v1.1.0\nsteps:\n  - cmd: busybox echo ok\n',
  }).path;
  refusedWithoutLeak(
    await execute(fileTask(`file://${repo}`, '../../data/admin.key')),
    /(outside|leads outside) the (build )?context/,
  );
  refusedWithoutLeak(
    await execute(fileTask(`file://${repo}`, secretFile)),
    /(outside|leads outside) the (build )?context/,
    true,
  );
});

test('a Dockerfile symlinked out of the context, -f climbing out, or a build context above the workspace are refused', async () => {
  const linked = repoWithLink('df-link', 'Dockerfile', secretFile);
  refusedWithoutLeak(
    await execute(dockerStep(`file://${linked}`, 'Dockerfile')),
    /Dockerfile 'Dockerfile' was not found inside the build context/,
  );
  const repo = makeGitRepo(join(dir, 'df-repo'), { Dockerfile: 'FROM hello-world\n' }).path;
  refusedWithoutLeak(
    await execute(encoded(`version: v1.1.0\nsteps:\n  - build: -t app:1 -f ${secretFile} .\n`, `file://${repo}`)),
    /(outside|leads outside) the (build )?context/,
    true,
  );
  refusedWithoutLeak(
    await execute(
      encoded('version: v1.1.0\nsteps:\n  - build: -t app:1 -f ../../../data/admin.key .\n', `file://${repo}`),
    ),
    /(outside|leads outside) the (build )?context/,
  );
  refusedWithoutLeak(
    await execute(encoded('version: v1.1.0\nsteps:\n  - build: -t app:1 ../../..\n', `file://${repo}`)),
    /build context '\.\.\/\.\.\/\.\.' was not found inside the build context/,
  );
  // a symlink that stays inside the context is fine
  const inside = repoWithLink('df-inside', 'Dockerfile', 'docker/Dockerfile.real', {
    'docker/Dockerfile.real': 'FROM hello-world\n',
  });
  const ok = await execute(dockerStep(`file://${inside}`, 'Dockerfile'));
  assert.equal(ok.outcome.status, 'Succeeded', ok.all);
});

test('the runner re-checks the source policy: host directories, the data dir and ext:: are never fetched', async () => {
  refusedWithoutLeak(
    await execute(encoded('version: v1.1.0\nsteps:\n  - cmd: busybox cat /workspace/admin.key\n', dataDir)),
    /host directory cannot be a server-side source/,
  );
  const evil = makeGitRepo(join(dataDir, 'repo'), { 'acb.yaml': 'x' }).path;
  refusedWithoutLeak(await execute(fileTask(`file://${evil}`, 'acb.yaml')), /inside the server's data directory/);
  const marker = join(dir, 'ext-ran');
  const r = await execute(
    encoded('version: v1.1.0\nsteps:\n  - cmd: busybox echo hi\n', `ext::sh -c touch% ${marker}`),
  );
  assert.equal(r.outcome.status, 'Failed');
  assert.throws(() => readFileSync(marker), 'ext:: never ran a command');
});
