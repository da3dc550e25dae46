import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { pendingEvents } from '../../../src/events/index.js';
import { BASE_IMAGE_CONSUMER } from '../../../src/tasks/triggers/index.js';
import type { OutputImage, RunContext, RunExecutor, RunOutcome } from '../../../src/tasks/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { registryClient } from './registry-client.js';
import { runsOf, waitForRuns } from './helpers.js';

const LOCAL_ADMIN = '00000000-0000-0000-0000-00000000ad01';
let reg: ReturnType<typeof registryClient>;
let loginServer = '';

/**
 * Stands in for the engine: `midtask` builds mid:1 FROM base:1 (its pushed content depends on the base digest),
 * `apptask` builds FROM mid:1, `tooltask*` use base:1 only at build time. Dependencies carry the live tag digests.
 */
class ChainExecutor implements RunExecutor {
  /** Runs wait for this (the test points `reg` at the restarted server first). */
  gate: Promise<void> = Promise.resolve();
  async execute(ctx: RunContext): Promise<RunOutcome> {
    await this.gate;
    await ctx.markRunning();
    const dep = async (repo: string): Promise<OutputImage> => ({
      registry: loginServer,
      repository: repo,
      tag: '1',
      digest: await reg.digestOf(repo, '1'),
    });
    const name = ctx.run.request.taskName;
    if (name === 'midtask') {
      const base = await dep('base');
      const digest = await reg.push('mid', '1', `mid built on ${base.digest}`);
      const image = { registry: loginServer, repository: 'mid', tag: '1', digest };
      return {
        status: 'Succeeded',
        result: { outputImages: [image], dependencies: [{ image, runtime: base, buildtime: [] }] },
      };
    }
    if (name === 'apptask') {
      const image = {
        registry: loginServer,
        repository: 'app',
        tag: ctx.run.runId,
        digest: 'sha256:' + '0'.repeat(64),
      };
      return {
        status: 'Succeeded',
        result: { outputImages: [image], dependencies: [{ image, runtime: await dep('mid'), buildtime: [] }] },
      };
    }
    if (name?.startsWith('tooltask')) {
      const image = {
        registry: loginServer,
        repository: 'tool',
        tag: ctx.run.runId,
        digest: 'sha256:' + '1'.repeat(64),
      };
      return {
        status: 'Succeeded',
        result: {
          outputImages: [image],
          dependencies: [
            {
              image,
              runtime: {
                registry: 'registry.hub.docker.com',
                repository: 'library/busybox',
                tag: 'latest',
                digest: 'sha256:' + '2'.repeat(64),
              },
              buildtime: [await dep('base')],
            },
          ],
        },
      };
    }
    return { status: 'Succeeded' };
  }
}

let s: TestServer;
let cli: ReturnType<typeof cliFor>;
const executor = new ChainExecutor();

async function connect(server: TestServer) {
  s = server;
  cli = cliFor(s.dataDir);
}

before(async () => {
  await connect(await startTestServer({ triggerPollSeconds: 3600 }, undefined, { executor }));
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
  loginServer = c.stdout.trim();
  reg = registryClient(
    loginServer,
    `Basic ${Buffer.from(`${LOCAL_ADMIN}:${s.platform.admin.key}`).toString('base64')}`,
  );
});
after(async () => {
  await s.cleanup();
  rmSync(s.dataDir, { recursive: true, force: true });
});

const create = async (name: string, ...extra: string[]) => {
  const r = await cli(
    'acr',
    'task',
    'create',
    '-r',
    'myregistry',
    '-n',
    name,
    '-c',
    '/dev/null',
    '--cmd',
    'busybox echo hi',
    ...extra,
  );
  assert.equal(r.code, 0, r.stderr);
};
const runNow = async (name: string) => {
  const r = await cli('acr', 'task', 'run', '-r', 'myregistry', '-n', name);
  assert.equal(r.code, 0, r.stderr + r.stdout);
};

test(
  'a new base image rebuilds dependents in chain order, once; identical re-pushes and Runtime-only tasks do not fire',
  { timeout: 60_000 },
  async () => {
    const d1 = await reg.push('base', '1', 'base v1');
    for (const t of ['midtask', 'apptask', 'tooltask']) await create(t);
    await create('tooltaskall', '--base-image-trigger-type', 'All');
    for (const t of ['midtask', 'apptask', 'tooltask', 'tooltaskall']) await runNow(t);
    const triggers = s.platform.triggers.baseImages;
    assert.equal(await triggers.processEvents(), 0, 'pushes that happened before the runs started fire nothing');
    const midDeps = await triggers.dependenciesOf(
      (await s.platform.tasks.taskStore.listByRegistry((await s.platform.registries.all())[0].id)).find(
        (t) => t.name === 'midtask',
      )!.id,
    );
    assert.deepEqual(
      midDeps.map((d) => [d.kind, d.repository, d.tag, d.digest]),
      [['runtime', 'base', '1', d1]],
    );

    assert.equal(await reg.push('base', '1', 'base v1'), d1);
    assert.equal(await triggers.processEvents(), 0, 'an identical manifest does not trigger');

    const d2 = await reg.push('base', '1', 'base v2');
    const mid = await waitForRuns(s, 'myregistry', 'midtask', (r) => r.length === 2 && r[1].status === 'Succeeded');
    assert.equal(mid[1].request.trigger.kind, 'Image Update');
    assert.deepEqual(mid[1].request.trigger.imageUpdateTrigger!.images, [
      { registry: loginServer, repository: 'base', tag: '1', digest: d2 },
    ]);
    assert.equal(mid[1].runType, 'AutoRun');
    const app = await waitForRuns(s, 'myregistry', 'apptask', (r) => r.length === 2 && r[1].status === 'Succeeded');
    assert.equal(app[1].request.trigger.imageUpdateTrigger!.images[0].digest, mid[1].result.outputImages![0].digest);
    assert.ok(
      Date.parse(app[1].createTime) >= Date.parse(mid[1].finishTime!),
      'the app builds after its base was rebuilt',
    );
    const all = await waitForRuns(s, 'myregistry', 'tooltaskall', (r) => r.length === 2);
    assert.equal(all[1].request.trigger.kind, 'Image Update');
    await triggers.processEvents();
    assert.equal(
      (await runsOf(s, 'myregistry', 'tooltask')).length,
      1,
      'a Runtime trigger ignores buildtime dependencies',
    );
    assert.equal((await runsOf(s, 'myregistry', 'midtask')).length, 2, 'exactly one run per new base');
    assert.equal((await runsOf(s, 'myregistry', 'apptask')).length, 2);

    const show = await cli('acr', 'task', 'list-runs', '-r', 'myregistry', '-n', 'apptask', '-o', 'table');
    assert.match(show.stdout, /\bapptask\s+Linux\s+Succeeded\s+Image Update\b/);

    // A disabled base-image trigger does not fire.
    assert.equal(
      (
        await cli(
          'acr',
          'task',
          'update',
          '-r',
          'myregistry',
          '-n',
          'tooltaskall',
          '--base-image-trigger-enabled',
          'false',
        )
      ).code,
      0,
    );
    await reg.push('base', '1', 'base v3');
    await waitForRuns(s, 'myregistry', 'apptask', (r) => r.length === 3 && r[2].status === 'Succeeded');
    assert.equal((await runsOf(s, 'myregistry', 'tooltaskall')).length, 2);
  },
);

test('the outbox survives a server restart between the push and the trigger', { timeout: 60_000 }, async () => {
  await s.platform.triggers.stop();
  const before = (await runsOf(s, 'myregistry', 'midtask')).length;
  const d4 = await reg.push('base', '1', 'base v4 while triggers are down');
  assert.equal((await pendingEvents(s.platform.db, BASE_IMAGE_CONSUMER, ['image.pushed'])).length, 1);
  const dataDir = s.dataDir;
  await s.stop();
  let open!: () => void;
  executor.gate = new Promise((resolve) => (open = resolve));
  await connect(await startTestServer({ triggerPollSeconds: 3600 }, dataDir, { executor }));
  const port = (await s.platform.registries.all())[0].login_server;
  loginServer = port;
  reg = registryClient(
    loginServer,
    `Basic ${Buffer.from(`${LOCAL_ADMIN}:${s.platform.admin.key}`).toString('base64')}`,
  );
  open();
  const mid = await waitForRuns(
    s,
    'myregistry',
    'midtask',
    (r) => r.length === before + 1 && r[before].status === 'Succeeded',
  );
  assert.equal(mid[before].request.trigger.imageUpdateTrigger!.images[0].digest, d4);
  assert.equal(
    (await pendingEvents(s.platform.db, BASE_IMAGE_CONSUMER, ['image.pushed'])).filter(
      (e) => e.payload.repository === 'base',
    ).length,
    0,
  );
});
