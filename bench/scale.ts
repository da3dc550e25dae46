// How cost grows with work (issue 14): list and `_manifests` latency at 100 / 1,000 / 10,000 tags in one repository,
// the base-image trigger's outbox read, and queue-to-start of 30 short runs.
// Run: node --import tsx bench/scale.ts [maxTags=10000]
//
// Pushes: one tiny config and one tiny layer uploaded over HTTP once, then one small OCI manifest per tag, made unique
// by an annotation (so 10,000 tags are 10,000 manifests), stored through the registry's metadata port
// (`RegistryMetadata.putManifest`, the call the PUT handler makes, with the config summary) — or over HTTP with
// BENCH_PUSH=http (PUT /v2/<repo>/manifests/<tag>; slower to set up, same rows). Runs use an in-process executor that sleeps RUN_MS (no container engine), so the numbers are the
// queue's own cost. The server runs in this process on 127.0.0.1, port 0.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import type { RunContext, RunExecutor, RunOutcome } from '../src/tasks/index.js';
import { startTestServer } from '../test/helpers/server.js';
import { registryOf } from '../src/app/index.js';
import { parseManifest } from '../src/registry/manifest-parse.js';
import { summarizeManifest } from '../src/registry/manifest-summary.js';

const MAX_TAGS = Number(process.argv[2] ?? 10_000);
/** BENCH_PUSH=http pushes every manifest over HTTP; by default through the registry's metadata port (faster). */
const VIA_HTTP = process.env.BENCH_PUSH === 'http';
const LEVELS = [100, 1_000, 10_000].filter((n) => n <= MAX_TAGS);
const SAMPLES = 15;
const RUNS = 30;
const RUN_MS = 200;
const LOCAL_ADMIN = '00000000-0000-0000-0000-00000000ad01';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const ms = (x: number) => `${x.toFixed(1)} ms`;

class SleepExecutor implements RunExecutor {
  async execute(ctx: RunContext): Promise<RunOutcome> {
    await ctx.markRunning();
    await new Promise((r) => setTimeout(r, RUN_MS));
    return { status: 'Succeeded' };
  }
}

const s = await startTestServer({ triggerPollSeconds: 3600 }, undefined, { executor: new SleepExecutor() });
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
try {
  await s.api(`/subscriptions/${s.sub}/resourcegroups/bench?api-version=2022-09-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  const regPath = `/subscriptions/${s.sub}/resourceGroups/bench/providers/Microsoft.ContainerRegistry/registries/scalereg?api-version=2025-04-01`;
  const put = await s.api(regPath, { method: 'PUT', body: { location: 'eastus', sku: { name: 'Basic' } } });
  if (put.status >= 300) throw new Error(put.text);
  const reg = (await s.api(regPath)).json;
  const [host, port] = String(reg.properties?.loginServer ?? reg.loginServer).split(':');
  const auth = `Basic ${Buffer.from(`${LOCAL_ADMIN}:${s.platform.admin.key}`).toString('base64')}`;
  const call = (method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; link?: string; body: Buffer }>((resolve, reject) => {
      const req = request(
        {
          host,
          port: Number(port),
          method,
          path,
          agent,
          headers: { authorization: auth, ...(body ? { 'content-length': String(body.length) } : {}), ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              link: res.headers.link as string | undefined,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const blob = async (data: Buffer) => {
    const r = await call('POST', `/v2/scale/blobs/uploads/?digest=${sha(data)}`, data, {
      'content-type': 'application/octet-stream',
    });
    if (r.status !== 201) throw new Error(`blob ${r.status} ${r.body}`);
    return { digest: sha(data), size: data.length };
  };
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const cfg = await blob(config);
  const layer = await blob(Buffer.from('one tiny layer'));
  const mod = registryOf(s.platform)!;
  const ev = { registry: reg.name as string, loginServer: `${host}:${port}` };
  let pushed = 0;
  const pushTo = async (n: number) => {
    const t0 = performance.now();
    const from = pushed;
    let next = pushed;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = next++; i < n; i = next++) {
          const m = Buffer.from(
            JSON.stringify({
              schemaVersion: 2,
              mediaType: 'application/vnd.oci.image.manifest.v1+json',
              config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg },
              layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
              annotations: { 'bench.index': String(i) },
            }),
          );
          const tag = `t${String(i).padStart(5, '0')}`;
          if (VIA_HTTP) {
            const r = await call('PUT', `/v2/scale/manifests/${tag}`, m, {
              'content-type': 'application/vnd.oci.image.manifest.v1+json',
            });
            if (r.status !== 201) throw new Error(`manifest ${r.status} ${r.body}`);
          } else {
            // The same metadata call (one transaction: validation, rows, tag, outbox event) the PUT handler makes.
            await mod.metadata.putManifest(
              ev,
              'scale',
              parseManifest(m, undefined),
              m,
              tag,
              await summarizeManifest(m, mod.blobs),
            );
          }
        }
      }),
    );
    pushed = n;
    return (performance.now() - t0) / Math.max(1, n - from);
  };
  const time = async (path: string) => {
    const xs: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      const r = await call('GET', path);
      if (r.status !== 200) throw new Error(`${path} ${r.status} ${r.body}`);
      xs.push(performance.now() - t0);
    }
    return pct(xs, 50);
  };
  const walkAll = async () => {
    const t0 = performance.now();
    let path: string | undefined = '/acr/v1/scale/_manifests?n=100';
    let pages = 0;
    while (path) {
      const r = await call('GET', path);
      pages++;
      path = r.link ? /<([^>]+)>/.exec(r.link)![1] : undefined;
    }
    return { ms: performance.now() - t0, pages };
  };

  console.log('\n== Registry: median of', SAMPLES, 'requests per cell (one repository, N tags = N manifests)');
  console.log(
    'tags    push/manifest  tags/list n=100  tags/list mid  _manifests n=100  _manifests timedesc  _manifests mid page  all _manifests pages',
  );
  for (const n of LEVELS) {
    const perPush = await pushTo(n);
    const mid = `t${String(Math.floor(n / 2)).padStart(5, '0')}`;
    const midDigest = JSON.parse((await call('GET', `/acr/v1/scale/_tags/${mid}`)).body.toString()).tag
      .digest as string;
    const cells = [
      await time('/v2/scale/tags/list?n=100'),
      await time(`/v2/scale/tags/list?n=100&last=${mid}`),
      await time('/acr/v1/scale/_manifests?n=100'),
      await time('/acr/v1/scale/_manifests?n=100&orderby=timedesc'),
      await time(`/acr/v1/scale/_manifests?n=100&last=${encodeURIComponent(midDigest)}`),
    ];
    const all = await walkAll();
    console.log(
      `${String(n).padEnd(8)}${ms(perPush).padEnd(15)}${cells.map((c, i) => ms(c).padEnd([17, 15, 18, 21, 21][i])).join('')}${ms(all.ms)} (${all.pages} pages)`,
    );
  }

  console.log('\n== Outbox: base-image trigger pass with every event already consumed');
  const baseImages = s.platform.triggers.baseImages;
  await baseImages.processEvents();
  const reads: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await baseImages.processEvents();
    reads.push(performance.now() - t0);
  }
  const { pruneOutbox } = await import('../src/events/index.js');
  const t0 = performance.now();
  const pruned = await pruneOutbox(s.platform.db, 0);
  console.log(
    `outbox rows ${pushed}: trigger pass p50 ${ms(pct(reads, 50))}; prune (retention 0) deleted ${pruned} in ${ms(performance.now() - t0)}`,
  );

  console.log(`\n== Runs: ${RUNS} runs of ${RUN_MS} ms (in-process executor), queue-to-start = startTime - createTime`);
  const info = { id: reg.id, name: reg.name, resourceGroup: 'bench' };
  const step = {
    type: 'EncodedTask',
    contextPath: null,
    contextAccessToken: null,
    encodedTaskContent: Buffer.from('steps:\n  - cmd: busybox true\n').toString('base64'),
    encodedValuesContent: null,
    values: [],
    baseImageDependencies: null,
  } as never;
  const queue = s.platform.tasks.queue;
  const measure = async (label: string, gapMs: number) => {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(await s.platform.tasks.scheduler.quickRun(info, { step }));
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    }
    for (;;) {
      const done = await Promise.all(runs.map((r) => s.platform.tasks.runs.get(r.registryName, r.runId)));
      if (done.every((d) => d && d.startTime && d.finishTime)) {
        const waits = done.map((d) => Date.parse(d!.startTime!) - Date.parse(d!.createTime));
        console.log(
          `${label.padEnd(58)} p50 ${ms(pct(waits, 50))}  p90 ${ms(pct(waits, 90))}  max ${ms(Math.max(...waits))}`,
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await measure(
    `below the limit (maxConcurrentRuns ${queue.concurrency}, one every ${Math.ceil(RUN_MS / queue.concurrency) + 20} ms)`,
    Math.ceil(RUN_MS / queue.concurrency) + 20,
  );
  await measure(`burst of ${RUNS} (maxConcurrentRuns ${queue.concurrency}: the rest queue)`, 0);
} finally {
  agent.destroy();
  await s.cleanup();
  rmSync(s.dataDir, { recursive: true, force: true });
}
