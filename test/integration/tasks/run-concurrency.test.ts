import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RunContext, RunExecutor, RunOutcome, RunRecord } from '../../../src/tasks/index.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/** Holds every run until released; records when each started executing. */
class GateExecutor implements RunExecutor {
  started = new Map<string, number>();
  private releases: Array<() => void> = [];
  async execute(ctx: RunContext): Promise<RunOutcome> {
    this.started.set(ctx.run.runId, Date.now());
    await new Promise<void>((r) => this.releases.push(r));
    return { status: 'Succeeded' };
  }
  releaseOne(): void {
    this.releases.shift()?.();
  }
  releaseAll(): void {
    for (const r of this.releases.splice(0)) r();
  }
}

const executor = new GateExecutor();
let s: TestServer;
after(async () => {
  executor.releaseAll();
  await s?.cleanup();
});

const waitFor = async (pred: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('maxConcurrentRuns runs start at once (each well under a second after queueing); the next one waits for a free slot', async () => {
  s = await startTestServer({ maxConcurrentRuns: 3 }, undefined, { executor });
  assert.equal(s.platform.tasks.queue.concurrency, 3);
  const reg = {
    id: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/conc',
    name: 'conc',
    resourceGroup: 'rg',
  };
  const step = {
    type: 'EncodedTask',
    contextPath: null,
    contextAccessToken: null,
    encodedTaskContent: Buffer.from('steps:\n  - cmd: busybox true\n').toString('base64'),
    encodedValuesContent: null,
    values: [],
    baseImageDependencies: null,
  } as never;
  const runs: RunRecord[] = [];
  for (let i = 0; i < 4; i++) runs.push(await s.platform.tasks.scheduler.quickRun(reg, { step }));
  await waitFor(() => executor.started.size === 3);
  for (const r of runs.slice(0, 3)) {
    const wait = executor.started.get(r.runId)! - Date.parse(r.createTime);
    assert.ok(wait < 1000, `run ${r.runId} waited ${wait} ms`);
  }
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(executor.started.size, 3, 'the 4th run waits while 3 are executing');
  assert.equal((await s.platform.tasks.runs.get('conc', runs[3].runId))!.status, 'Queued');
  const freed = Date.now();
  executor.releaseOne();
  await waitFor(() => executor.started.has(runs[3].runId));
  assert.ok(executor.started.get(runs[3].runId)! - freed < 1000);
  executor.releaseAll();
});
