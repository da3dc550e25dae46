// Registry bench as users push and pull: whole `skopeo copy` processes and `wrk`, Dockyard vs Debian's docker-registry
// (CNCF distribution 2.8), both in the same run, alternating which goes first; every row printed as a ratio.
// Run: node --import tsx bench/registry-clients.ts
//   BENCH_REPS=3 (skopeo repetitions, a fresh image each), BENCH_LAYERS=8, BENCH_LAYER_MIB=32, BENCH_WRK_SECONDS=5,
//   BENCH_HUGE_MIB=2048 (one big layer through a Node streaming client; 0 skips), BENCH_PARALLEL=50 (parallel pushes;
//   0 skips), BENCH_WRK_ROUNDS=2 (wrk rounds, alternating), BENCH_BASELINE=<dir> (another built checkout, e.g. the
//   commit before a change, run as a third server `baseline` in the wrk rows only: before/after in the same run),
//   BENCH_SKOPEO_KINDS=uncompressed,gzip (the skopeo images: uncompressed layers, which skopeo gzips on push, and gzip
//   layers as built images have; each also copied with no registry, oci: → oci:, as a reference for skopeo's own cost)
// Needs: apt-get install -y skopeo docker-registry wrk. Dockyard gets a bearer token (wrk) or admin creds (skopeo);
// docker-registry runs without auth, as Debian ships it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, pushBlob, type BlobData } from './registry-http.js';
import { resetPeakRss, rssMiB, startDistribution, startDockyard, type StartedDockyard } from './servers.js';
import { skopeoRows } from './skopeo-rows.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const LAYERS = Number(process.env.BENCH_LAYERS ?? 8);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 32);
const WRK_SECONDS = Number(process.env.BENCH_WRK_SECONDS ?? 5);
const HUGE_MIB = Number(process.env.BENCH_HUGE_MIB ?? 2048);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 50);
const WRK_ROUNDS = Number(process.env.BENCH_WRK_ROUNDS ?? 2);
const BASELINE = process.env.BENCH_BASELINE;
const SKOPEO_KINDS = (process.env.BENCH_SKOPEO_KINDS ?? 'uncompressed,gzip').split(',') as ('uncompressed' | 'gzip')[];
const MiB = 1024 * 1024;

interface Side {
  name: 'dockyard' | 'distribution' | 'baseline';
  host: string;
  pid: number;
  /** skopeo credentials flag value, if any. */
  creds?: string;
  /** Authorization header value for HTTP clients. */
  auth?: (repo: string) => Promise<string | undefined>;
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) =>
      code === 0
        ? resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, stdout: out })
        : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}`)),
    );
  });
}

/** Monolithic push to a side (its bearer token when it has one). */
async function pushTo(s: Side, repo: string, data: BlobData): Promise<string> {
  return pushBlob(s.host, repo, data, await s.auth?.(repo), s.name);
}

async function wrk(url: string, auth: string | undefined, accept?: string): Promise<number> {
  const args = [
    '-t2',
    '-c32',
    `-d${WRK_SECONDS}s`,
    ...(auth ? ['-H', `Authorization: ${auth}`] : []),
    ...(accept ? ['-H', `Accept: ${accept}`] : []),
    url,
  ];
  const { stdout } = await run('wrk', args);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(stdout);
  if (non2xx) throw new Error(`wrk ${url}: ${non2xx[1]} non-2xx responses`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)![1]);
}

function machineSha256MiBs(): number {
  const chunk = randomBytes(MiB);
  const t0 = process.hrtime.bigint();
  const h = createHash('sha256');
  for (let i = 0; i < 256; i++) h.update(chunk);
  h.digest();
  return 256 / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** `cat file | sha256sum` of 256 MiB from the page cache: the issue's yardstick for "the machine's hashing limit". */
async function sha256sumMiBs(root: string): Promise<number> {
  const file = join(root, 'sha256sum.bin');
  writeFileSync(file, randomBytes(256 * MiB));
  await run('sh', ['-c', `cat '${file}' > /dev/null`]); // warm the page cache
  const { ms } = await run('sh', ['-c', `cat '${file}' | sha256sum > /dev/null`]);
  rmSync(file);
  return 256 / (ms / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dockyard-clients-bench-'));
  const procs: ChildProcess[] = [];
  try {
    const dist = await startDistribution(join(root, 'distribution'));
    procs.push(dist.proc);
    const dock = await startDockyard(join(root, 'dockyard'));
    procs.push(dock.proc);
    const bearerOf = (d: StartedDockyard) => {
      const tokens = new Map<string, string>();
      return async (repo: string) => {
        if (!tokens.has(repo)) tokens.set(repo, `Bearer ${await d.token([`repository:${repo}:pull,push`])}`);
        return tokens.get(repo);
      };
    };
    const sides: Side[] = [
      { name: 'dockyard', host: dock.loginServer, pid: dock.proc.pid!, creds: dock.creds, auth: bearerOf(dock) },
      { name: 'distribution', host: dist.base.host, pid: dist.proc.pid! },
    ];
    // The older build takes part in the wrk rows only.
    const base = BASELINE ? await startDockyard(join(root, 'baseline'), BASELINE) : undefined;
    if (base) procs.push(base.proc);
    const wrkSides: Side[] = base
      ? [...sides, { name: 'baseline', host: base.loginServer, pid: base.proc.pid!, auth: bearerOf(base) }]
      : sides;
    const env = { ...process.env, REGISTRY_AUTH_FILE: join(root, 'auth.json'), DOCKER_CONFIG: join(root, 'docker') };
    writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
    const rows = new Map<string, { unit: string; higherIsBetter: boolean; v: Record<string, number[]> }>();
    const record = (row: string, unit: string, higherIsBetter: boolean, side: string, value: number) => {
      if (!rows.has(row))
        rows.set(row, { unit, higherIsBetter, v: { dockyard: [], distribution: [], baseline: [], floor: [] } });
      rows.get(row)!.v[side].push(value);
    };
    const order = (i: number) => (i % 2 === 0 ? sides : [...sides].reverse());
    const sha = machineSha256MiBs();
    const shaCli = await sha256sumMiBs(root);

    // skopeo push and pull of a fresh image each repetition, and the same copies with no registry (the no-registry reference).
    const peak = await skopeoRows(
      sides,
      { root, env, reps: REPS, layers: LAYERS, layerMiB: LAYER_MIB, sha, kinds: SKOPEO_KINDS },
      record,
    );

    // Small reads with wrk: a 1 KiB blob, a manifest, /v2/.
    const small = randomBytes(1024);
    const targets: Record<string, { blob: string; manifest: string }> = {};
    for (const s of wrkSides) {
      const blob = await pushTo(s, 'bench/wrk', small);
      const configBytes = Buffer.from('{"architecture":"amd64","os":"linux"}');
      const config = await pushTo(s, 'bench/wrk', configBytes);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config, size: configBytes.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: blob, size: small.length }],
        }),
      );
      const auth = await s.auth?.('bench/wrk');
      const put = await http(
        'PUT',
        new URL(`http://${s.host}/v2/bench/wrk/manifests/latest`),
        {
          ...(auth ? { authorization: auth } : {}),
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'content-length': String(manifest.length),
        },
        manifest,
      );
      if (put.status !== 201) throw new Error(`${s.name} manifest PUT ${put.status} ${put.body}`);
      targets[s.name] = {
        blob: `http://${s.host}/v2/bench/wrk/blobs/${blob}`,
        manifest: `http://${s.host}/v2/bench/wrk/manifests/latest`,
      };
    }
    for (let rep = 0; rep < WRK_ROUNDS; rep++) {
      for (const s of rep % 2 === 0 ? wrkSides : [...wrkSides].reverse()) {
        const auth = await s.auth?.('bench/wrk');
        record('wrk GET 1 KiB blob (req/s)', 'req/s', true, s.name, await wrk(targets[s.name].blob, auth));
        record(
          'wrk GET manifest (req/s)',
          'req/s',
          true,
          s.name,
          await wrk(targets[s.name].manifest, auth, 'application/vnd.oci.image.manifest.v1+json'),
        );
        record('wrk GET /v2/ (req/s)', 'req/s', true, s.name, await wrk(`http://${s.host}/v2/`, auth));
      }
    }

    // 50 parallel pushes of distinct 32 MiB layers (Node client), then one huge layer pushed and pulled (Node client).
    for (const s of PARALLEL > 0 ? order(0) : []) {
      const layers = Array.from({ length: PARALLEL }, () => randomBytes(32 * MiB));
      for (let r = 0; r < 5; r++) await s.auth?.(`bench/parallel${r}`); // tokens first: this row measures pushes
      resetPeakRss(s.pid);
      const t0 = process.hrtime.bigint();
      const results = await Promise.allSettled(layers.map((b, i) => pushTo(s, `bench/parallel${i % 5}`, b)));
      const failed = results.filter((r) => r.status === 'rejected');
      if (failed.length)
        console.error(
          `${s.name}: ${failed.length} parallel pushes failed: ${(failed[0] as PromiseRejectedResult).reason}`,
        );
      record(
        `${PARALLEL} parallel pushes × 32 MiB, Node client (s)`,
        's',
        false,
        s.name,
        Number(process.hrtime.bigint() - t0) / 1e9,
      );
      record(`${PARALLEL} parallel pushes: failures`, 'n', false, s.name, failed.length);
      record(`${PARALLEL} parallel pushes: server peak RSS (MiB)`, 'MiB', false, s.name, rssMiB(s.pid).peak);
    }
    if (HUGE_MIB > 0) {
      const chunk = randomBytes(MiB);
      const h = createHash('sha256');
      for (let i = 0; i < HUGE_MIB; i++) h.update(chunk);
      const digest = `sha256:${h.digest('hex')}`;
      for (const s of order(1)) {
        resetPeakRss(s.pid);
        const t0 = process.hrtime.bigint();
        await pushTo(s, 'bench/huge', { chunk, count: HUGE_MIB, digest });
        const t1 = process.hrtime.bigint();
        const auth = await s.auth?.('bench/huge');
        const g = await http(
          'GET',
          new URL(`http://${s.host}/v2/bench/huge/blobs/${digest}`),
          auth ? { authorization: auth } : {},
        );
        const t2 = process.hrtime.bigint();
        if (g.status !== 200 || g.bytes !== HUGE_MIB * MiB)
          throw new Error(`${s.name} huge GET ${g.status} ${g.bytes}`);
        record(
          `${HUGE_MIB} MiB layer push, Node client (MiB/s)`,
          'MiB/s',
          true,
          s.name,
          HUGE_MIB / (Number(t1 - t0) / 1e9),
        );
        record(
          `${HUGE_MIB} MiB layer pull, Node client (MiB/s)`,
          'MiB/s',
          true,
          s.name,
          HUGE_MIB / (Number(t2 - t1) / 1e9),
        );
        record(`${HUGE_MIB} MiB layer push+pull: server peak RSS (MiB)`, 'MiB', false, s.name, rssMiB(s.pid).peak);
      }
    }
    for (const s of sides) record('server peak RSS during skopeo rows (MiB)', 'MiB', false, s.name, peak[s.name]);

    console.log(
      `\nRegistry bench, real clients (${new Date().toISOString()}; skopeo ${REPS} reps, wrk -t2 -c32 ${WRK_SECONDS}s ×${WRK_ROUNDS}; alternating; medians, [min–max] of the wrk rounds)`,
    );
    console.log(
      `machine sha256: ${sha.toFixed(0)} MiB/s (node crypto, 1 MiB chunks; the % rows use this), ${shaCli.toFixed(0)} MiB/s (cat | sha256sum)`,
    );
    const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
    const cell = (xs: number[]) =>
      xs.length > 2 ? `${fmt(median(xs))} [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]` : fmt(median(xs));
    console.log(
      `| row | dockyard | distribution 2.8 | dockyard / distribution | no registry (skopeo oci: → oci:) | no registry / distribution |${base ? ` baseline (${BASELINE}) | dockyard / baseline |` : ''}`,
    );
    console.log(`| --- | ---: | ---: | ---: | ---: | ---: |${base ? ' ---: | ---: |' : ''}`);
    const ratio = (a: number | undefined, b: number | undefined) =>
      a === undefined || !b ? '-' : `${(a / b).toFixed(2)}×`;
    for (const [name, r] of rows) {
      const a = median(r.v.dockyard);
      const b = median(r.v.distribution);
      const f = r.v.floor.length ? median(r.v.floor) : undefined;
      const c = r.v.baseline.length ? median(r.v.baseline) : undefined;
      const extra = base ? ` ${c === undefined ? '-' : cell(r.v.baseline)} | ${ratio(a, c)} |` : '';
      console.log(
        `| ${name} | ${cell(r.v.dockyard)} | ${cell(r.v.distribution)} | ${ratio(a, b)} | ${f === undefined ? '-' : cell(r.v.floor)} | ${ratio(f, b)} |${extra}`,
      );
    }
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
