// Issue 12, item 2 (API side): any host file could be read through a run's source location or task file path. Server-side
// sources are now git URLs, uploads or /dev/null; file:// repositories only outside the data dir (and under the
// operator's allowedLocalContextRoots once listed); task/values/Dockerfile paths never leave the context.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeGitRepo } from '../helpers/git-context.js';
import { loadConfig } from '../../src/config/index.js';

const TASKV = 'api-version=2019-06-01-preview';
const encoded = Buffer.from('version: v1.1.0\nsteps:\n  - cmd: busybox cat /workspace/shadow\n').toString('base64');

let s: TestServer;
let reg: string;
let work: string;
let repo: string;

async function makeRegistry(server: TestServer, name: string): Promise<string> {
  const rg = `/subscriptions/${server.sub}/resourceGroups/srcrg`;
  await server.api(`${rg}?api-version=2022-09-01`, { method: 'PUT', body: { location: 'eastus' } });
  const id = `${rg}/providers/Microsoft.ContainerRegistry/registries/${name}`;
  assert.equal(
    (
      await server.api(`${id}?api-version=2025-04-01`, {
        method: 'PUT',
        body: { location: 'eastus', sku: { name: 'Standard' } },
      })
    ).status,
    201,
  );
  return id;
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockyard-sec-src-'));
  repo = makeGitRepo(join(work, 'repo'), { 'acb.yaml': 'version: v1.1.0\nsteps:\n  - cmd: busybox echo ok\n' }).path;
  s = await startTestServer();
  reg = await makeRegistry(s, 'srcreg');
});
after(async () => {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
});

const schedule = (server: TestServer, registry: string, body: Record<string, unknown>) =>
  server.api(`${registry}/scheduleRun?${TASKV}`, { method: 'POST', body });
const fileTask = (contextPath: string, taskFilePath = 'acb.yaml') => ({
  location: 'eastus',
  properties: {
    platform: { os: 'linux' },
    step: { type: 'FileTask', contextPath, taskFilePath },
    trigger: { baseImageTrigger: null },
  },
});

function refused(r: { status: number; json: any; text: string }, code: string, mention?: RegExp) {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, code, r.text);
  if (mention) assert.match(r.json.error.message, mention);
}

test('sourceLocation=/etc, a data-dir path, ext:: and option-like URLs are refused when a run is scheduled', async () => {
  for (const sourceLocation of [
    '/etc',
    join(s.dataDir, 'keys'),
    s.dataDir,
    'etc',
    `ext::sh -c touch% ${join(work, 'pwned')}`,
    '--upload-pack=touch /tmp/x',
    `-u${repo}`,
  ]) {
    refused(
      await schedule(s, reg, { type: 'EncodedTaskRunRequest', encodedTaskContent: encoded, sourceLocation }),
      'SourceLocationNotAllowed',
    );
  }
  refused(
    await schedule(s, reg, {
      type: 'DockerBuildRequest',
      sourceLocation: '/etc',
      dockerFilePath: 'Dockerfile',
      imageNames: ['x:1'],
    }),
    'SourceLocationNotAllowed',
    /host directory/,
  );
  refused(
    await schedule(s, reg, { type: 'FileTaskRunRequest', sourceLocation: '/etc', taskFilePath: 'shadow' }),
    'SourceLocationNotAllowed',
  );
  assert.equal((await s.api(`${reg}/runs?${TASKV}`)).json.value.length, 0, 'no run was queued');
});

test('file:// is allowed for git repositories only, never inside the data dir', async () => {
  const insideData = makeGitRepo(join(s.dataDir, 'evil-repo'), { 'acb.yaml': 'x' }).path;
  refused(
    await schedule(s, reg, {
      type: 'FileTaskRunRequest',
      sourceLocation: `file://${insideData}`,
      taskFilePath: 'acb.yaml',
    }),
    'SourceLocationNotAllowed',
    /data directory/,
  );
  refused(
    await schedule(s, reg, {
      type: 'FileTaskRunRequest',
      sourceLocation: `file://${s.dataDir}`,
      taskFilePath: 'admin.key',
    }),
    'SourceLocationNotAllowed',
    /data directory/,
  );
  const plain = join(work, 'plain');
  mkdirSync(plain, { recursive: true });
  writeFileSync(join(plain, 'acb.yaml'), 'x');
  refused(
    await schedule(s, reg, { type: 'FileTaskRunRequest', sourceLocation: `file://${plain}`, taskFilePath: 'acb.yaml' }),
    'SourceLocationNotAllowed',
    /not a git repository/,
  );
  // a subdirectory of a repository is not a repository (git -C would find the parent)
  mkdirSync(join(repo, 'sub'), { recursive: true });
  refused(
    await schedule(s, reg, {
      type: 'FileTaskRunRequest',
      sourceLocation: `file://${join(repo, 'sub')}`,
      taskFilePath: 'acb.yaml',
    }),
    'SourceLocationNotAllowed',
    /not a git repository/,
  );
  refused(
    await schedule(s, reg, { type: 'FileTaskRunRequest', sourceLocation: repo, taskFilePath: 'acb.yaml' }),
    'SourceLocationNotAllowed',
    /host directory/,
  );
  const ok = await schedule(s, reg, {
    type: 'FileTaskRunRequest',
    sourceLocation: `file://${repo}#main`,
    taskFilePath: 'acb.yaml',
  });
  assert.equal(ok.status, 200, ok.text);
});

test('taskFilePath ../../admin.key is refused without revealing the file or the host path', async () => {
  const adminKey = s.platform.admin.key;
  for (const taskFilePath of ['../../admin.key', '/etc/shadow', `${s.dataDir}/admin.key`, 'sub/../../../admin.key']) {
    const r = await schedule(s, reg, { type: 'FileTaskRunRequest', sourceLocation: `file://${repo}`, taskFilePath });
    refused(r, 'PathOutsideContext');
    assert.ok(!r.text.includes(adminKey), 'the key never appears');
    assert.ok(!r.text.includes(s.dataDir) || taskFilePath.includes(s.dataDir), 'the data dir is not named');
  }
  refused(
    await schedule(s, reg, {
      type: 'DockerBuildRequest',
      sourceLocation: `file://${repo}`,
      dockerFilePath: '../../../etc/shadow',
      imageNames: ['x:1'],
    }),
    'PathOutsideContext',
  );
  refused(
    await schedule(s, reg, {
      type: 'FileTaskRunRequest',
      sourceLocation: `file://${repo}`,
      taskFilePath: 'acb.yaml',
      valuesFilePath: '../values.yaml',
    }),
    'PathOutsideContext',
  );
});

test('task create/update with a host directory, the data dir or an outside task file is refused at create time', async () => {
  refused(
    await s.api(`${reg}/tasks/etctask?${TASKV}`, { method: 'PUT', body: fileTask('/etc', 'shadow') }),
    'SourceLocationNotAllowed',
  );
  refused(
    await s.api(`${reg}/tasks/keytask?${TASKV}`, { method: 'PUT', body: fileTask(`file://${s.dataDir}`, 'admin.key') }),
    'SourceLocationNotAllowed',
  );
  refused(
    await s.api(`${reg}/tasks/uptask?${TASKV}`, { method: 'PUT', body: fileTask(`file://${repo}`, '../../admin.key') }),
    'PathOutsideContext',
  );
  const trig = fileTask(`file://${repo}`);
  (trig.properties.trigger as Record<string, unknown>).sourceTriggers = [
    {
      name: 't',
      sourceRepository: { repositoryUrl: 'ext::sh -c id', branch: 'main', sourceControlType: 'Git' },
      sourceTriggerEvents: ['commit'],
      status: 'Enabled',
    },
  ];
  refused(await s.api(`${reg}/tasks/trigtask?${TASKV}`, { method: 'PUT', body: trig }), 'SourceLocationNotAllowed');
  const good = await s.api(`${reg}/tasks/goodtask?${TASKV}`, { method: 'PUT', body: fileTask(`file://${repo}#main`) });
  assert.equal(good.status, 200, good.text);
  refused(
    await s.api(`${reg}/tasks/goodtask?${TASKV}`, {
      method: 'PATCH',
      body: { properties: { step: { contextPath: '/etc' } } },
    }),
    'SourceLocationNotAllowed',
  );
  refused(
    await s.api(`${reg}/tasks/goodtask?${TASKV}`, {
      method: 'PATCH',
      body: { properties: { step: { taskFilePath: '../../admin.key' } } },
    }),
    'PathOutsideContext',
  );
  // TaskRunRequest overrides are checked the same way
  refused(
    await schedule(s, reg, {
      type: 'TaskRunRequest',
      taskId: `${reg}/tasks/goodtask`,
      overrideTaskStepProperties: { contextPath: '/etc' },
    }),
    'SourceLocationNotAllowed',
  );
  refused(
    await schedule(s, reg, {
      type: 'TaskRunRequest',
      taskId: `${reg}/tasks/goodtask`,
      overrideTaskStepProperties: { file: '../../admin.key' },
    }),
    'PathOutsideContext',
  );
  assert.equal((await s.api(`${reg}/tasks/goodtask?${TASKV}`)).json.step.contextPath, `file://${repo}#main`);
});

test('allowedLocalContextRoots: file:// repositories outside the listed roots are refused, inside allowed', async () => {
  const allowedRoot = join(work, 'allowed');
  const inside = makeGitRepo(join(allowedRoot, 'team', 'repo'), { 'acb.yaml': 'x' }).path;
  const server = await startTestServer({ allowedLocalContextRoots: [allowedRoot] });
  try {
    const r = await makeRegistry(server, 'rootsreg');
    refused(
      await server.api(`${r}/tasks/outside?${TASKV}`, { method: 'PUT', body: fileTask(`file://${repo}`) }),
      'SourceLocationNotAllowed',
      /allowedLocalContextRoots/,
    );
    refused(
      await schedule(server, r, {
        type: 'FileTaskRunRequest',
        sourceLocation: `file://${repo}`,
        taskFilePath: 'acb.yaml',
      }),
      'SourceLocationNotAllowed',
      /allowedLocalContextRoots/,
    );
    const ok = await server.api(`${r}/tasks/inside?${TASKV}`, { method: 'PUT', body: fileTask(`file://${inside}`) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(
      (
        await schedule(server, r, {
          type: 'FileTaskRunRequest',
          sourceLocation: `file://${inside}`,
          taskFilePath: 'acb.yaml',
        })
      ).status,
      200,
    );
    // remote git URLs are not affected by the local roots
    assert.equal(
      (
        await schedule(server, r, {
          type: 'FileTaskRunRequest',
          sourceLocation: 'https://github.com/Azure-Samples/acr-tasks.git',
          taskFilePath: 'acb.yaml',
        })
      ).status,
      200,
    );
  } finally {
    await server.cleanup();
  }
});

test('allowedLocalContextRoots comes from the config file, DOCKYARD_ALLOWED_LOCAL_CONTEXT_ROOTS and --allow-local-context-root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-sec-cfg-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ allowedLocalContextRoots: ['/srv/from-file'] }));
    assert.deepEqual(loadConfig({ env: {}, flags: { dataDir: dir } }).allowedLocalContextRoots, ['/srv/from-file']);
    assert.deepEqual(
      loadConfig({ env: { DOCKYARD_ALLOWED_LOCAL_CONTEXT_ROOTS: '/srv/a:/srv/b' }, flags: { dataDir: dir } })
        .allowedLocalContextRoots,
      ['/srv/a', '/srv/b'],
    );
    assert.deepEqual(
      loadConfig({
        env: { DOCKYARD_ALLOWED_LOCAL_CONTEXT_ROOTS: '/srv/a' },
        flags: { dataDir: dir, allowedLocalContextRoots: ['/srv/flag'] },
      }).allowedLocalContextRoots,
      ['/srv/flag'],
    );
    assert.deepEqual(loadConfig({ env: {}, flags: { dataDir: join(dir, 'none') } }).allowedLocalContextRoots, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
