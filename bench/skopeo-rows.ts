// The skopeo rows of bench/registry-clients.ts: whole `skopeo copy` processes pushing and pulling a fresh image each
// repetition, to each registry in alternating order, plus the same copies with no registry at all (`oci:` → `oci:`,
// the reference: what skopeo itself costs on this machine without a server in the loop). Two images:
// uncompressed layers (skopeo gzips them on push: mostly a gzip bench) and gzip layers (as built images are).
// Per copy it records wall time, skopeo's CPU (user + system, from this process's reaped-children counters) and the
// server's CPU (from /proc/<pid>/stat).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeImage } from './oci-image.js';
import { resetPeakRss, rssMiB } from './servers.js';

export interface SkopeoSide {
  name: string;
  host: string;
  pid: number;
  /** `user:password` for --src-creds/--dest-creds, if the registry needs it. */
  creds?: string;
}

export type RecordRow = (row: string, unit: string, higherIsBetter: boolean, side: string, value: number) => void;

export interface SkopeoOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  reps: number;
  layers: number;
  layerMiB: number;
  /** Machine sha256 speed (MiB/s), for the throughput rows. */
  sha: number;
  /** Which images: uncompressed and/or gzip layers. */
  kinds: ('uncompressed' | 'gzip')[];
}

const MiB = 1024 * 1024;
const CLK_TCK = 100; // getconf CLK_TCK on Linux
const COPY_TIMEOUT_MS = 5 * 60_000;

/** CPU seconds of `pid` (user + system), or with `children` of its finished, reaped children. */
function cpuSeconds(pid: number | 'self', children = false): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  const i = children ? 13 : 11; // cutime/cstime are fields 16/17, utime/stime 14/15
  return (Number(f[i]) + Number(f[i + 1])) / CLK_TCK;
}

export interface Copy {
  wall: number;
  client: number;
  server: number;
}

/** One `skopeo copy` (asynchronous: servers may run in this process): wall time, skopeo's CPU and the server's. */
export function skopeo(args: string[], env: NodeJS.ProcessEnv, serverPid?: number): Promise<Copy> {
  return new Promise((resolve, reject) => {
    const c0 = cpuSeconds('self', true);
    const s0 = serverPid ? cpuSeconds(serverPid) : 0;
    const t0 = process.hrtime.bigint();
    // A copy that hangs (a server that never answers) is killed, so the bench stops by itself.
    const c = spawn('skopeo', ['copy', '-q', ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: COPY_TIMEOUT_MS,
    });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => {
      if (code !== 0) return reject(new Error(`skopeo copy ${args.join(' ')}: exit ${code ?? 'killed'}\n${err}`));
      resolve({
        wall: Number(process.hrtime.bigint() - t0) / 1e9,
        client: cpuSeconds('self', true) - c0,
        server: serverPid ? cpuSeconds(serverPid) - s0 : 0,
      });
    });
  });
}

/** Runs the skopeo rows; returns each side's peak RSS (MiB) during them. */
export async function skopeoRows(
  sides: SkopeoSide[],
  o: SkopeoOptions,
  record: RecordRow,
): Promise<Record<string, number>> {
  const peak: Record<string, number> = Object.fromEntries(sides.map((s) => [s.name, 0]));
  const size = `${o.layers} × ${o.layerMiB} MiB`;
  let turn = 0;
  for (const kind of o.kinds) {
    const label = kind === 'gzip' ? `${size} gzip layers` : `${size}`;
    for (let rep = 0; rep < o.reps; rep++, turn++) {
      const src = join(o.root, `img-${kind}-${rep}`);
      const bytes = writeImage(src, 'v1', { layers: o.layers, layerMiB: o.layerMiB, gzip: kind === 'gzip' });
      const rows = (side: string, push: Copy, pull: Copy, server: boolean) => {
        record(`skopeo push ${label} (s)`, 's', false, side, push.wall);
        record(`skopeo pull ${label} (s)`, 's', false, side, pull.wall);
        record(`skopeo CPU per push ${label} (s)`, 's', false, side, push.client);
        record(`skopeo CPU per pull ${label} (s)`, 's', false, side, pull.client);
        if (server) {
          record(`server CPU per push ${label} (s)`, 's', false, side, push.server);
          record(`server CPU per pull ${label} (s)`, 's', false, side, pull.server);
        }
        record(`skopeo push ${label} (% of machine sha256)`, '%', true, side, (bytes / MiB / push.wall / o.sha) * 100);
        record(`skopeo pull ${label} (% of machine sha256)`, '%', true, side, (bytes / MiB / pull.wall / o.sha) * 100);
      };
      for (const s of turn % 2 === 0 ? sides : [...sides].reverse()) {
        const repo = `bench/skopeo-${kind}${rep}`;
        resetPeakRss(s.pid);
        const dest = [`--dest-tls-verify=false`, ...(s.creds ? ['--dest-creds', s.creds] : [])];
        const push = await skopeo([...dest, `oci:${src}:v1`, `docker://${s.host}/${repo}:v1`], o.env, s.pid);
        const dst = join(o.root, `pull-${s.name}`);
        const from = [`--src-tls-verify=false`, ...(s.creds ? ['--src-creds', s.creds] : [])];
        const pull = await skopeo([...from, `docker://${s.host}/${repo}:v1`, `oci:${dst}:v1`], o.env, s.pid);
        peak[s.name] = Math.max(peak[s.name], rssMiB(s.pid).peak);
        rmSync(dst, { recursive: true, force: true });
        rows(s.name, push, pull, true);
      }
      // The floor: the same copies with no registry. "Push": the source layout to a new one (uncompressed layers
      // are gzipped, as on a push); "pull": that gzip layout to another (read, verify, write, as on a pull).
      const pushed = join(o.root, 'floor-pushed');
      const pulled = join(o.root, 'floor-pulled');
      const push = await skopeo(
        [...(kind === 'gzip' ? [] : ['--dest-compress']), `oci:${src}:v1`, `oci:${pushed}:v1`],
        o.env,
      );
      const pull = await skopeo([`oci:${pushed}:v1`, `oci:${pulled}:v1`], o.env);
      rows('floor', push, pull, false);
      for (const d of [src, pushed, pulled]) rmSync(d, { recursive: true, force: true });
    }
  }
  return peak;
}
