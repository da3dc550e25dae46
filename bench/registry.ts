// Registry bench with Dockyard's own Node HTTP client (not what users run; see bench/registry-clients.ts for skopeo and
// wrk): Dockyard vs Debian's docker-registry (CNCF distribution 2.8), same client, same run.
// Run: node --import tsx bench/registry.ts   (BENCH_BIG_MB=256 for the full-size big blobs; default 64)
// Both servers run as separate processes on 127.0.0.1; distribution without auth, Dockyard with a bearer token.
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDistribution, startDockyard } from './servers.js';

const SMALL_COUNT = 200;
const SMALL_SIZE = 1024 * 1024;
const BIG_COUNT = 5;
const BIG_MB = Number(process.env.BENCH_BIG_MB ?? 64);
const MANIFEST_GETS = 2000;
const CONCURRENCY = 4;

const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Target {
  name: string;
  base: URL;
  auth?: string;
}

function call(
  t: Target,
  method: string,
  path: string,
  body?: Buffer | ((write: (b: Buffer) => boolean, end: () => void, onDrain: (f: () => void) => void) => void),
  headers: Record<string, string> = {},
  sink = false,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer; bytes: number }> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { ...headers };
    if (t.auth) h.authorization = t.auth;
    if (Buffer.isBuffer(body)) h['content-length'] = String(body.length);
    const req = request(
      { host: t.base.hostname, port: Number(t.base.port), method, path, headers: h, agent },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (!sink) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), bytes }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (typeof body === 'function')
      body(
        (b) => req.write(b),
        () => req.end(),
        (f) => req.once('drain', f),
      );
    else req.end(body);
  });
}

async function pushBlob(
  t: Target,
  repo: string,
  data: Buffer | { size: number; chunk: Buffer; digest: string },
): Promise<string> {
  const post = await call(t, 'POST', `/v2/${repo}/blobs/uploads/`);
  if (post.status !== 202) throw new Error(`${t.name} POST ${post.status} ${post.body}`);
  const loc = new URL(String(post.headers.location), t.base);
  if (Buffer.isBuffer(data)) {
    const digest = sha(data);
    loc.searchParams.set('digest', digest);
    const put = await call(t, 'PUT', loc.pathname + loc.search, data, { 'content-type': 'application/octet-stream' });
    if (put.status !== 201) throw new Error(`${t.name} PUT ${put.status} ${put.body}`);
    return digest;
  }
  loc.searchParams.set('digest', data.digest);
  const n = data.size / data.chunk.length;
  const put = await call(
    t,
    'PUT',
    loc.pathname + loc.search,
    (write, end, onDrain) => {
      let i = 0;
      const pump = () => {
        while (i < n) {
          i++;
          if (!write(data.chunk)) return onDrain(pump);
        }
        end();
      };
      pump();
    },
    { 'content-type': 'application/octet-stream', 'content-length': String(data.size) },
  );
  if (put.status !== 201) throw new Error(`${t.name} PUT big ${put.status} ${put.body}`);
  return data.digest;
}

async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function startDist(dir: string): Promise<{ target: Target; proc: ChildProcess }> {
  const d = await startDistribution(dir);
  return { target: { name: 'distribution', base: d.base }, proc: d.proc };
}

async function startDock(dir: string): Promise<{ target: Target; proc: ChildProcess }> {
  const d = await startDockyard(dir);
  const tok = await d.token([
    'repository:bench/small:pull,push',
    'repository:bench/big:pull,push',
    ...[1, 2, 3, 4].map((i) => `repository:bench/big${i}:pull,push`),
  ]);
  return { target: { name: 'dockyard', base: d.base, auth: `Bearer ${tok}` }, proc: d.proc };
}

async function runSuite(
  t: Target,
  small: Buffer[],
  big: { size: number; chunk: Buffer; digest: string },
): Promise<Record<string, number>> {
  const r: Record<string, number> = {};
  const digests: string[] = [];
  r['push 200 x 1 MiB (MiB/s)'] =
    SMALL_COUNT /
    (await timed(() => pool(small, CONCURRENCY, async (b) => void digests.push(await pushBlob(t, 'bench/small', b)))));
  r['pull 200 x 1 MiB (MiB/s)'] =
    SMALL_COUNT /
    (await timed(() =>
      pool(digests, CONCURRENCY, async (d) => {
        const g = await call(t, 'GET', `/v2/bench/small/blobs/${d}`, undefined, {}, true);
        if (g.status !== 200 || g.bytes !== SMALL_SIZE) throw new Error(`${t.name} pull ${g.status}`);
      }),
    ));
  const bigMiB = (BIG_COUNT * big.size) / 1024 / 1024;
  r[`push ${BIG_COUNT} x ${BIG_MB} MiB (MiB/s)`] =
    bigMiB /
    (await timed(async () => {
      for (let i = 0; i < BIG_COUNT; i++) await pushBlob(t, i === 0 ? 'bench/big' : `bench/big${i}`, big);
    }));
  r[`pull ${BIG_COUNT} x ${BIG_MB} MiB (MiB/s)`] =
    bigMiB /
    (await timed(async () => {
      for (let i = 0; i < BIG_COUNT; i++) {
        const g = await call(
          t,
          'GET',
          `/v2/${i === 0 ? 'bench/big' : `bench/big${i}`}/blobs/${big.digest}`,
          undefined,
          {},
          true,
        );
        if (g.status !== 200 || g.bytes !== big.size) throw new Error(`${t.name} big pull ${g.status}`);
      }
    }));
  // A manifest to GET.
  const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
  const cd = await pushBlob(t, 'bench/small', config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cd, size: config.length },
      layers: digests
        .slice(0, 5)
        .map((d) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: d, size: SMALL_SIZE })),
    }),
  );
  const put = await call(t, 'PUT', '/v2/bench/small/manifests/latest', manifest, {
    'content-type': 'application/vnd.oci.image.manifest.v1+json',
  });
  if (put.status !== 201) throw new Error(`${t.name} manifest put ${put.status} ${put.body}`);
  const gets = Array.from({ length: MANIFEST_GETS }, (_, i) => i);
  r['2000 manifest GETs (req/s)'] =
    MANIFEST_GETS /
    (await timed(() =>
      pool(gets, 8, async () => {
        const g = await call(t, 'GET', '/v2/bench/small/manifests/latest', undefined, {
          accept: 'application/vnd.oci.image.manifest.v1+json',
        });
        if (g.status !== 200) throw new Error(`${t.name} manifest get ${g.status}`);
      }),
    ));
  return r;
}

/** The machine's sha256 + memory copy speed over `size` bytes in 1 MiB chunks (what a verifying client does). */
function machineHashCopy(chunk: Buffer, size: number): number {
  const t0 = process.hrtime.bigint();
  const h = createHash('sha256');
  const dst = Buffer.allocUnsafe(chunk.length);
  for (let i = 0; i < size / chunk.length; i++) {
    chunk.copy(dst);
    h.update(dst);
  }
  h.digest();
  return size / 1024 / 1024 / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dockyard-bench-'));
  const procs: ChildProcess[] = [];
  try {
    const small = Array.from({ length: SMALL_COUNT }, () => randomBytes(SMALL_SIZE));
    const chunk = randomBytes(1024 * 1024);
    const h = createHash('sha256');
    for (let i = 0; i < BIG_MB; i++) h.update(chunk);
    const big = { size: BIG_MB * 1024 * 1024, chunk, digest: `sha256:${h.digest('hex')}` };
    const dist = await startDist(join(root, 'dist'));
    procs.push(dist.proc);
    const dock = await startDock(join(root, 'dockyard'));
    procs.push(dock.proc);
    const rd = await runSuite(dock.target, small, big);
    const rr = await runSuite(dist.target, small, big);
    const hashCopy = machineHashCopy(chunk, big.size);
    console.log(
      `\nRegistry bench, Node HTTP client (${new Date().toISOString()}, ${BIG_MB} MiB big blobs, concurrency ${CONCURRENCY})`,
    );
    console.log('| metric | dockyard | distribution | ratio |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const k of Object.keys(rd))
      console.log(`| ${k} | ${rd[k].toFixed(1)} | ${rr[k].toFixed(1)} | ${(rd[k] / rr[k]).toFixed(2)}x |`);
    const pullKey = `pull ${BIG_COUNT} x ${BIG_MB} MiB (MiB/s)`;
    console.log(
      `\nmachine sha256+copy: ${hashCopy.toFixed(0)} MiB/s; dockyard big-blob pull = ${((rd[pullKey] / hashCopy) * 100).toFixed(0)}% of it`,
    );
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(root, { recursive: true, force: true });
    agent.destroy();
  }
}

await main();
