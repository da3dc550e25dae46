// Task-run overhead: the seed task (build hello-world + push) run by Dockyard versus the same docker CLI commands
// typed by hand against the same private daemon and registry, in the same process run.
// Prints the overhead ratio (target <= 1.10) and the time from `scheduleRun` to the first step starting (target < 300 ms).
// Run: node --import tsx bench/task-run.ts [runs=5] [engineUserns=remap|off]
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestServer } from '../test/helpers/server.js';

const exec = promisify(execFile);
const N = Number(process.argv[2] ?? 5);
const work = mkdtempSync(join(tmpdir(), 'dockyard-bench-run-'));
const userns = process.argv[3] === 'off' ? 'off' : 'remap';
const s = await startTestServer({ engine: 'docker', engineUserns: userns });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const sub = s.sub;
  await s.api(`/subscriptions/${sub}/resourcegroups/bench?api-version=2022-09-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  const reg = (
    await s.api(
      `/subscriptions/${sub}/resourceGroups/bench/providers/Microsoft.ContainerRegistry/registries/benchregistry?api-version=2025-04-01`,
      { method: 'PUT', body: { sku: { name: 'Basic' } } },
    )
  ).json;
  const ctx = join(work, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'hello-world.dockerfile'), 'FROM hello-world\n');
  const yaml =
    'version: v1.0.0\nsteps:\n  - build: -t {{.Run.Registry}}/hello-world:{{.Run.ID}} . -f hello-world.dockerfile\n  - push: ["{{.Run.Registry}}/hello-world:{{.Run.ID}}"]\n';
  const taskId = `${reg.id}/tasks/benchtask`;
  const put = await s.api(`${taskId}?api-version=2019-06-01-preview`, {
    method: 'PUT',
    body: {
      location: 'eastus',
      properties: {
        step: { type: 'EncodedTask', encodedTaskContent: Buffer.from(yaml).toString('base64'), contextPath: ctx },
      },
    },
  });
  if (put.status >= 300) throw new Error(put.text);

  async function runOnce(): Promise<{ total: number; firstStep: number }> {
    const t0 = performance.now();
    const run = (
      await s.api(`${reg.id}/scheduleRun?api-version=2019-06-01-preview`, {
        method: 'POST',
        body: { type: 'TaskRunRequest', taskId },
      })
    ).json;
    const { logLink } = (
      await s.api(`${reg.id}/runs/${run.runId}/listLogSasUrl?api-version=2019-06-01-preview`, { method: 'POST' })
    ).json;
    const res = await fetch(`${logLink}?follow=1`);
    let text = '';
    let firstStep = -1;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString();
      if (firstStep < 0 && text.includes('Executing step ID: acb_step_0')) firstStep = performance.now() - t0;
    }
    const total = performance.now() - t0;
    if (!text.includes('was successful')) throw new Error(text);
    return { total, firstStep };
  }

  await runOnce(); // warm-up: engine start and offline library
  const dockyard: number[] = [];
  const first: number[] = [];
  for (let i = 0; i < N; i++) {
    const r = await runOnce();
    dockyard.push(r.total);
    first.push(r.firstStep);
  }

  // The same work by hand: docker login + build + push against the same daemon and registry.
  const dockerSock = (await s.platform.runner.engine()).dockerSocketPath;
  const docker = (...args: string[]) =>
    exec('/usr/bin/docker', ['-H', `unix://${dockerSock}`, ...args], {
      env: { ...process.env, DOCKER_CONFIG: join(work, 'dockercfg'), DOCKER_BUILDKIT: '0' },
    });
  const token = (await fetch(`http://${reg.loginServer}/oauth2/token?service=${reg.loginServer}&offline_token=true`, {
    headers: {
      authorization: `Basic ${Buffer.from(`00000000-0000-0000-0000-00000000ad01:${s.platform.admin.key}`).toString('base64')}`,
    },
  }).then((r) => r.json())) as { refresh_token: string };
  const byHand: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await exec(
      'sh',
      [
        '-c',
        `echo "${token.refresh_token}" | /usr/bin/docker -H unix://${dockerSock} login -u 00000000-0000-0000-0000-000000000000 --password-stdin ${reg.loginServer}`,
      ],
      { env: { ...process.env, DOCKER_CONFIG: join(work, 'dockercfg') } },
    );
    const tag = `${reg.loginServer}/hello-world:byhand${i}`;
    await docker('build', '-t', tag, '-f', join(ctx, 'hello-world.dockerfile'), ctx);
    await docker('push', tag);
    byHand.push(performance.now() - t0);
  }
  const ratio = median(dockyard) / median(byHand);
  console.log(`seed task (build + push hello-world), engineUserns=${userns}, ${N} runs each, medians:`);
  console.log(`  dockyard task run (queue -> log complete): ${median(dockyard).toFixed(0)} ms`);
  console.log(`  same docker CLI commands by hand:          ${median(byHand).toFixed(0)} ms`);
  console.log(`  overhead ratio: ${ratio.toFixed(2)} (target <= 1.10)`);
  console.log(`  scheduleRun -> first step starts: ${median(first).toFixed(0)} ms (target < 300 ms)`);
} finally {
  await s.cleanup();
  rmSync(work, { recursive: true, force: true });
}
