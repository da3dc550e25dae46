// Server memory bench: `dockyard serve` RSS idle, during 50 parallel pushes of distinct 32 MiB layers and during one
// 2 GiB layer pushed and pulled, with a Node streaming client (the same rows as bench/registry-clients.ts, without
// skopeo, wrk or docker-registry). With BENCH_BASELINE=<dir> (another built checkout, e.g. main) both servers run side
// by side and take turns, so before/after come from the same run.
// Run: node --import tsx bench/registry-memory.ts
//   BENCH_BASELINE=<dir>, BENCH_ROUNDS=2, BENCH_HUGE_MIB=2048 (0 skips), BENCH_PARALLEL=50 (0 skips),
//   BENCH_PORT=<first port> (the servers listen on it and the next ones; default any free port),
//   BENCH_WRK_SECONDS=5 (first, as in bench/registry-clients.ts: wrk GETs of a 1 KiB blob; 0 skips; needs wrk)
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resetPeakRss, rssMiB, startDockyard, type StartedDockyard } from './servers.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const HUGE_MIB = Number(process.env.BENCH_HUGE_MIB ?? 2048);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 50);
const BASELINE = process.env.BENCH_BASELINE;
const PORT = Number(process.env.BENCH_PORT ?? 0);
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 5);
const MiB = 1024 * 1024;

interface Side {
  name: string;
  server: StartedDockyard;
  tokens: Map<string, string>;
}

function http(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body?: Buffer | ((w: (b: Buffer) => Promise<void>) => Promise<void>),
): Promise<{ status: number; headers: Record<string, unknown>; body: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (chunks.length < 4) chunks.push(c);
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString(), bytes }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (typeof body === 'function') {
      body((b) => new Promise<void>((r) => (req.write(b) ? r() : req.once('drain', () => r())))).then(
        () => req.end(),
        reject,
      );
    } else req.end(body);
  });
}

async function auth(s: Side, repo: string): Promise<string> {
  if (!s.tokens.has(repo)) s.tokens.set(repo, `Bearer ${await s.server.token([`repository:${repo}:pull,push`])}`);
  return s.tokens.get(repo)!;
}

/** Monolithic push (POST, then a streamed PUT ?digest=) of a buffer or of `chunk` repeated `count` times. */
async function pushBlob(
  s: Side,
  repo: string,
  data: Buffer | { chunk: Buffer; count: number; digest: string },
): Promise<void> {
  const h = { authorization: await auth(s, repo) };
  const host = s.server.loginServer;
  const post = await http('POST', new URL(`http://${host}/v2/${repo}/blobs/uploads/`), {
    ...h,
    'content-length': '0',
  });
  if (post.status !== 202) throw new Error(`${s.name} POST ${post.status} ${post.body}`);
  const loc = new URL(String(post.headers.location), `http://${host}`);
  const digest = Buffer.isBuffer(data) ? `sha256:${createHash('sha256').update(data).digest('hex')}` : data.digest;
  loc.searchParams.set('digest', digest);
  const size = Buffer.isBuffer(data) ? data.length : data.chunk.length * data.count;
  const body = Buffer.isBuffer(data)
    ? data
    : async (write: (b: Buffer) => Promise<void>) => {
        for (let i = 0; i < data.count; i++) await write(data.chunk);
      };
  const headers = { ...h, 'content-type': 'application/octet-stream', 'content-length': String(size) };
  const put = await http('PUT', loc, headers, body);
  if (put.status !== 201) throw new Error(`${s.name} PUT ${put.status} ${put.body}`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const settle = () => new Promise((r) => setTimeout(r, 2000));

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dockyard-memory-bench-'));
  const sides: Side[] = [];
  const rows = new Map<string, Record<string, number[]>>();
  const record = (row: string, side: string, value: number) => {
    const r = rows.get(row) ?? {};
    (r[side] ??= []).push(value);
    rows.set(row, r);
  };
  try {
    const checkouts: [string, string][] = [['dockyard', '.']];
    if (BASELINE) checkouts.push(['baseline', BASELINE]);
    for (const [i, [name, dir]] of checkouts.entries()) {
      const server = await startDockyard(join(root, name), dir, PORT ? PORT + i : 0);
      sides.push({ name, server, tokens: new Map() });
    }
    await settle();
    for (const s of sides) record('idle RSS after start (MiB)', s.name, rssMiB(s.server.proc.pid!).now);
    for (const s of WRK_SECONDS > 0 ? sides : []) {
      const small = randomBytes(1024);
      const digest = `sha256:${createHash('sha256').update(small).digest('hex')}`;
      await pushBlob(s, 'bench/wrk', small);
      const pid = s.server.proc.pid!;
      resetPeakRss(pid);
      const url = `http://${s.server.loginServer}/v2/bench/wrk/blobs/${digest}`;
      const out = execFileSync('wrk', [
        '-t2',
        '-c32',
        `-d${WRK_SECONDS}s`,
        '-H',
        `Authorization: ${await auth(s, 'bench/wrk')}`,
        url,
      ]);
      record('wrk GET 1 KiB blob (req/s)', s.name, Number(/Requests\/sec:\s+([\d.]+)/.exec(out.toString())![1]));
      record('wrk GET 1 KiB blob: server peak RSS (MiB)', s.name, rssMiB(pid).peak);
    }
    const chunk = randomBytes(MiB);
    const h = createHash('sha256');
    for (let i = 0; i < HUGE_MIB; i++) h.update(chunk);
    const hugeDigest = `sha256:${h.digest('hex')}`;
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? sides : [...sides].reverse();
      for (const s of PARALLEL > 0 ? order : []) {
        const pid = s.server.proc.pid!;
        const layers = Array.from({ length: PARALLEL }, () => randomBytes(32 * MiB));
        for (let r = 0; r < 5; r++) await auth(s, `bench/parallel${r}`);
        resetPeakRss(pid);
        const t0 = process.hrtime.bigint();
        const results = await Promise.allSettled(layers.map((b, i) => pushBlob(s, `bench/parallel${i % 5}`, b)));
        const secs = Number(process.hrtime.bigint() - t0) / 1e9;
        const failed = results.filter((r) => r.status === 'rejected');
        if (failed.length)
          console.error(`${s.name}: ${failed.length} failed: ${(failed[0] as PromiseRejectedResult).reason}`);
        record(`${PARALLEL} parallel pushes × 32 MiB (s)`, s.name, secs);
        record(`${PARALLEL} parallel pushes: failures`, s.name, failed.length);
        record(`${PARALLEL} parallel pushes: server peak RSS (MiB)`, s.name, rssMiB(pid).peak);
      }
      for (const s of HUGE_MIB > 0 ? order : []) {
        const pid = s.server.proc.pid!;
        const repo = `bench/huge${round}`;
        const a = await auth(s, repo);
        resetPeakRss(pid);
        const t0 = process.hrtime.bigint();
        await pushBlob(s, repo, { chunk, count: HUGE_MIB, digest: hugeDigest });
        const t1 = process.hrtime.bigint();
        const url = new URL(`http://${s.server.loginServer}/v2/${repo}/blobs/${hugeDigest}`);
        const g = await http('GET', url, { authorization: a });
        const t2 = process.hrtime.bigint();
        if (g.status !== 200 || g.bytes !== HUGE_MIB * MiB)
          throw new Error(`${s.name} huge GET ${g.status} ${g.bytes}`);
        record(`${HUGE_MIB} MiB layer push (MiB/s)`, s.name, HUGE_MIB / (Number(t1 - t0) / 1e9));
        record(`${HUGE_MIB} MiB layer pull (MiB/s)`, s.name, HUGE_MIB / (Number(t2 - t1) / 1e9));
        record(`${HUGE_MIB} MiB layer push+pull: server peak RSS (MiB)`, s.name, rssMiB(pid).peak);
      }
    }
    await settle();
    for (const s of sides) record('RSS after the rows, settled (MiB)', s.name, rssMiB(s.server.proc.pid!).now);
    const names = sides.map((s) => s.name);
    console.log(
      `\nServer memory bench, Node client (${new Date().toISOString()}; ${ROUNDS} rounds, alternating; median [all])`,
    );
    console.log(`| row | ${names.join(' | ')} |\n| --- |${names.map(() => ' ---: |').join('')}`);
    const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    for (const [row, v] of rows)
      console.log(`| ${row} | ${names.map((n) => `${fmt(median(v[n]))} [${v[n].map(fmt).join(', ')}]`).join(' | ')} |`);
  } finally {
    for (const s of sides) s.server.proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
