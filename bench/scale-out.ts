// Scale-out bench (issue 15): the same clients against 1 vs 2 API nodes, and runs/minute with 1 vs 2 agents — on the
// loopback cluster of test/e2e/cluster (PostgreSQL + Azurite + nodes on 127.0.0.2/3 behind haproxy in TCP mode).
// Registry: wrk (2 threads, 32 keep-alive connections, a bearer token) over TLS by name through haproxy on a 1 KiB
// blob GET and a manifest GET; first with both nodes up, then with node 2 stopped (haproxy sends everything to node 1).
// Runs: N quick runs (`busybox sleep 2`) queued at once on a pool, with 1 agent (count 1) then 2 agents (count 2);
// runs/minute from the runs' own start and finish times. Needs root, postgresql-15, haproxy, wrk.
// Usage: node --import tsx bench/scale-out.ts   (BENCH_WRK_SECONDS=10, BENCH_RUNS=8)
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { imageManifest, registryRequest, sha, type RegistryTarget } from '../test/e2e/cluster/registry-http.js';

const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 8);
const SUFFIX = 'scale-bench.test';
const ADMIN_OID = '00000000-0000-0000-0000-00000000ad01';
const run = promisify(execFile);

async function wrk(url: string, auth: string, accept?: string): Promise<number> {
  const args = ['-t2', '-c32', `-d${WRK_SECONDS}s`, '-H', `Authorization: ${auth}`];
  if (accept) args.push('-H', `Accept: ${accept}`);
  const { stdout } = await run('wrk', [...args, url], { encoding: 'utf8', timeout: (WRK_SECONDS + 30) * 1000 });
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) throw new Error(`wrk ${url}: ${non2xx[1]} non-2xx responses`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)![1]);
}

async function ok(c: Cluster, ...args: string[]): Promise<string> {
  const r = await c.cli(...args);
  if (r.code !== 0) throw new Error(`dockyard ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function registryReads(c: Cluster, target: RegistryTarget): Promise<Record<string, number>> {
  const blob = randomBytes(1024);
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}');
  for (const b of [blob, config]) {
    const r = await registryRequest(target, 'POST', `/v2/bench/wrk/blobs/uploads/?digest=${sha(b)}`, b, {
      'content-type': 'application/octet-stream',
    });
    if (r.status !== 201) throw new Error(`blob upload ${r.status}`);
  }
  const manifest = imageManifest(config, [blob]);
  const m = await registryRequest(target, 'PUT', '/v2/bench/wrk/manifests/latest', manifest, {
    'content-type': 'application/vnd.oci.image.manifest.v1+json',
  });
  if (m.status !== 201) throw new Error(`manifest ${m.status}`);
  const tok = await registryRequest(
    target,
    'GET',
    `/oauth2/token?service=${encodeURIComponent(target.loginServer)}&scope=repository:bench/wrk:pull`,
  );
  if (tok.status !== 200) throw new Error(`token ${tok.status}: ${tok.body.toString()}`);
  const bearer = `Bearer ${(JSON.parse(tok.body.toString()) as { access_token: string }).access_token}`;
  const base = `https://${target.loginServer}/v2/bench/wrk`;
  return {
    blob: await wrk(`${base}/blobs/${sha(blob)}`, bearer),
    manifest: await wrk(`${base}/manifests/latest`, bearer, 'application/vnd.oci.image.manifest.v1+json'),
  };
}

async function runsPerMinute(c: Cluster, sub: string, adminKey: string): Promise<number> {
  const ids = await Promise.all(
    Array.from({ length: RUNS }, async () =>
      (
        await ok(
          c,
          'acr',
          'run',
          '-r',
          'benchreg',
          '--cmd',
          'busybox sleep 2',
          '/dev/null',
          '--agent-pool',
          'builders',
          '--no-wait',
          '--query',
          'runId',
          '-o',
          'tsv',
        )
      ).trim(),
    ),
  );
  const url = (id: string) =>
    `${c.endpoint}/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/benchreg/runs/${id}?api-version=2019-06-01-preview`;
  for (;;) {
    const runs = await Promise.all(
      ids.map(async (id) => (await fetch(url(id), { headers: { authorization: `DockyardKey ${adminKey}` } })).json()),
    );
    if (runs.every((r: any) => ['Succeeded', 'Failed', 'Error', 'Canceled', 'Timeout'].includes(r.status))) {
      const failed = runs.filter((r: any) => r.status !== 'Succeeded');
      if (failed.length) throw new Error(`${failed.length} runs did not succeed: ${JSON.stringify(failed[0])}`);
      const start = Math.min(...runs.map((r: any) => Date.parse(r.startTime)));
      const end = Math.max(...runs.map((r: any) => Date.parse(r.finishTime)));
      return (RUNS * 60_000) / (end - start);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

const root = mkdtempSync(join(tmpdir(), 'dy-scale-bench-'));
const c = await startCluster({ root, apiPort: 16090, tlsPort: 16091, suffix: SUFFIX });
try {
  const adminKey = readFileSync(join(c.nodes[0].dataDir, 'admin.key'), 'utf8').trim();
  const { subscriptionId } = JSON.parse(readFileSync(join(c.nodes[0].dataDir, 'endpoint.json'), 'utf8'));
  await ok(c, 'group', 'create', '-n', 'rg', '-l', 'eastus');
  const ls = JSON.parse(await ok(c, 'acr', 'create', '-g', 'rg', '-n', 'benchreg', '--sku', 'Premium')).loginServer;
  c.trustForEngines(ls);
  const target: RegistryTarget = {
    address: '127.0.0.1',
    loginServer: ls,
    ca: c.ca,
    auth: `Basic ${Buffer.from(`${ADMIN_OID}:${adminKey}`).toString('base64')}`,
  };

  // Runs: 1 agent (count 1), then a second agent (count 2).
  await ok(c, 'acr', 'agentpool', 'create', '-n', 'builders', '-r', 'benchreg', '--count', '1');
  await c.startAgents('builders', 'benchreg', 1);
  await runsPerMinute(c, subscriptionId, adminKey); // warm-up (first run pulls nothing, but loads the engine)
  const oneAgent = await runsPerMinute(c, subscriptionId, adminKey);
  await ok(c, 'acr', 'agentpool', 'update', '-n', 'builders', '-r', 'benchreg', '--count', '2');
  await c.startAgents('builders', 'benchreg', 1);
  const leasedBefore = c.agents.map((a) => (a.output().match(/leased a run/g) ?? []).length);
  const twoAgents = await runsPerMinute(c, subscriptionId, adminKey);
  const leasedBy = c.agents.map((a, i) => (a.output().match(/leased a run/g) ?? []).length - (leasedBefore[i] ?? 0));

  // Registry: 2 nodes, then node 2 stopped (haproxy marks it down and sends everything to node 1).
  const two = await registryReads(c, target);
  await c.killNode(c.nodes[1]);
  await new Promise((r) => setTimeout(r, 3000));
  const one = await registryReads(c, target);

  const f = (n: number) => n.toFixed(0).padStart(7);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  process.stdout.write(
    [
      `scale-out bench — LOADED machine: ${cpus().length} cores shared with other work (load avg ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}); everything (PostgreSQL, Azurite, nodes, haproxy, agents, wrk) on this one machine`,
      `registry reads through haproxy (wrk -t2 -c32, ${WRK_SECONDS} s, bearer token, TLS by name), requests/s:`,
      `                 1 node   2 nodes   ratio`,
      `  blob 1 KiB    ${f(one.blob)}   ${f(two.blob)}   ${ratio(two.blob, one.blob)}`,
      `  manifest      ${f(one.manifest)}   ${f(two.manifest)}   ${ratio(two.manifest, one.manifest)}`,
      `runs/minute (${RUNS} runs of 'busybox sleep 2' queued at once on the pool):`,
      `  1 agent ${oneAgent.toFixed(1)}   2 agents ${twoAgents.toFixed(1)}   ratio ${ratio(twoAgents, oneAgent)}` +
        `   (with 2 agents, runs leased per agent: ${leasedBy.join(' + ')})`,
      '',
    ].join('\n'),
  );
} finally {
  await c.stop();
  rmSync(root, { recursive: true, force: true });
}
process.exit(0);
