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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, pushBlob, type BlobData } from './registry-http.js';
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

async function auth(s: Side, repo: string): Promise<string> {
  if (!s.tokens.has(repo)) s.tokens.set(repo, `Bearer ${await s.server.token([`repository:${repo}:pull,push`])}`);
  return s.tokens.get(repo)!;
}

/** Monolithic push to a side with its bearer token. */
async function pushTo(s: Side, repo: string, data: BlobData): Promise<void> {
  await pushBlob(s.server.loginServer, repo, data, await auth(s, repo), s.name);
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
      await pushTo(s, 'bench/wrk', small);
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
        const results = await Promise.allSettled(layers.map((b, i) => pushTo(s, `bench/parallel${i % 5}`, b)));
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
        await pushTo(s, repo, { chunk, count: HUGE_MIB, digest: hugeDigest });
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
