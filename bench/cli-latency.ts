// CLI and server start-up latency, next to `node -e 0` (the floor), measured alternating in the same run.
// Run: npm run build && node --import tsx bench/cli-latency.ts   (BENCH_REPS=15; BENCH_NPX=0 skips the npm rows)
// BENCH_BEFORE=<another checkout, built> adds a "before" row under each command row (its bin/dockyard.js, and npx in
// its directory), run alternating with the others in the same loop: before/after on the same machine at the same time.
// Every row runs the launcher as users do (bin/dockyard.js → dist/bundle when built). Times are medians of wall clock
// and, with /usr/bin/time (apt: time), of the process's CPU time (user+sys), which a busy machine distorts less.
// `dockyard serve` rows: spawn until GET /dockyard/v1/info answers, on a fresh and on an existing data dir; CPU is the
// server's user+sys at that moment (/proc). Numbers and their reading: docs/designs/start-up.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPS = Number(process.env.BENCH_REPS ?? 15);
/** BENCH_PORT_BASE=<n>: the servers listen on n (API) and n+10… (registries) instead of any free ports. */
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 0);
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'dockyard.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
let cpuFile = '';

interface Sample {
  wall: number;
  cpu: number;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const [c0, a0] = TIME ? [TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args]] : [cmd, args];
    const c = spawn(c0, a0, { env, stdio: ['ignore', 'ignore', 'pipe'], cwd });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${err}`));
      const cpu = TIME
        ? readFileSync(cpuFile, 'utf8')
            .trim()
            .split('\n')
            .pop()!
            .split(' ')
            .reduce((a, x) => a + Number(x) * 1000, 0)
        : NaN;
      resolve({ wall, cpu });
    });
  });
}

/** The CPU time (user+sys, ms) a live process used so far (Linux /proc; NaN elsewhere). */
function procCpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [utime, stime] = f
      .slice(f.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 13)
      .map(Number);
    return ((utime + stime) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** `dockyard serve` from spawn until its API answers an HTTP request (GET /dockyard/v1/info). */
async function serveStart(
  dataDir: string,
  checkout = ROOT,
): Promise<{ ms: number; cpu: number; stop: () => Promise<void> }> {
  const port = PORT_BASE || (await freePort());
  const t0 = process.hrtime.bigint();
  const c = spawn(
    process.execPath,
    [
      join(checkout, 'bin', 'dockyard.js'),
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--registry-port-base',
      String(PORT_BASE && PORT_BASE + 10),
      '--engine',
      'none',
      '--log-level',
      'error',
    ],
    { stdio: 'ignore', cwd: checkout, env: { ...process.env, NODE_OPTIONS: '' } },
  );
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/dockyard/v1/info`);
      break;
    } catch {
      if (c.exitCode !== null) throw new Error(`dockyard serve exited ${c.exitCode}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = procCpuMs(c.pid!);
  const stop = () =>
    new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  return { ms, cpu, stop };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-cli-bench-'));
  cpuFile = join(dir, 'cpu.txt');
  const env = {
    ...process.env,
    NODE_OPTIONS: '',
    DOCKYARD_DATA_DIR: join(dir, 'data'),
    DOCKYARD_CONFIG_DIR: join(dir, 'cli-home'),
    DOCKYARD_ENDPOINT: undefined,
  };
  const stops: Array<() => void> = [];
  try {
    // Serve rows first (alternating with the floor): each rep starts on a new data dir, then again on it.
    // With BENCH_BEFORE, that checkout's serve takes turns with this one (its own data dirs).
    const before = process.env.BENCH_BEFORE;
    const kinds = ['fresh', 'existing', ...(before ? ['(before) fresh', '(before) existing'] : [])];
    const serve: Record<string, Sample[]> = Object.fromEntries([...kinds, 'floor'].map((k) => [k, [] as Sample[]]));
    for (let i = 0; i < Math.min(REPS, 7); i++) {
      serve.floor.push(await run(process.execPath, ['-e', '0'], env));
      for (const kind of kinds) {
        const old = kind.startsWith('(before)');
        const s = await serveStart(join(dir, `serve-${old ? 'before-' : ''}${i}`), old ? before : ROOT);
        serve[kind].push({ wall: s.ms, cpu: s.cpu });
        await s.stop();
      }
    }
    const server = await serveStart(join(dir, 'data'));
    stops.push(() => void server.stop());
    const cli = (...a: string[]) => run(process.execPath, [BIN, ...a], env);
    const beforeCli = (...a: string[]) =>
      run(process.execPath, [join(before!, 'bin', 'dockyard.js'), ...a], env, before);
    await cli('group', 'create', '-n', 'bench', '-l', 'eastus', '-o', 'none');
    await cli('acr', 'create', '-g', 'bench', '-n', 'benchreg', '--sku', 'Basic', '-o', 'none');
    const commands: string[][] = [
      ['--help'],
      ['acr', 'show', '-n', 'benchreg', '-o', 'none'],
      ['acr', 'list'],
      ['acr', 'list', '-o', 'table'],
      ['group', 'list'],
      ['acr', 'show', '-n', 'benchreg', '-o', 'yaml', '--query', 'sku'],
    ];
    const rows: Array<[string, () => Promise<Sample>]> = [['node -e 0', () => run(process.execPath, ['-e', '0'], env)]];
    for (const a of commands) {
      rows.push([`dockyard ${a.join(' ')}`, () => cli(...a)]);
      if (before) rows.push([`(before) dockyard ${a.join(' ')}`, () => beforeCli(...a)]);
    }
    if (process.env.BENCH_NPX !== '0' && spawnSync('npx', ['--version']).status === 0) {
      const npx = (cwd: string) => () =>
        run('npx', ['--no-install', 'dockyard', 'acr', 'show', '-n', 'benchreg', '-o', 'none'], env, cwd);
      rows.push(['npx dockyard acr show -n benchreg -o none', npx(ROOT)]);
      if (before) rows.push(['(before) npx dockyard acr show -n benchreg -o none', npx(before)]);
      rows.push([
        'npm run -s dockyard -- acr show -n benchreg -o none',
        () => run('npm', ['run', '-s', 'dockyard', '--', 'acr', 'show', '-n', 'benchreg', '-o', 'none'], env),
      ]);
      rows.push(['npx --version (npm alone)', () => run('npx', ['--version'], env)]);
    }
    const times = rows.map(() => [] as Sample[]);
    for (const [, f] of rows) await f(); // warm the page cache
    for (let i = 0; i < REPS; i++) for (let r = 0; r < rows.length; r++) times[r].push(await rows[r][1]());
    const wall = times.map((t) => median(t.map((x) => x.wall)));
    const cpu = times.map((t) => median(t.map((x) => x.cpu)));
    console.log(
      `\nCLI latency (${new Date().toISOString()}, node ${process.version}, ${REPS} reps alternating, medians)`,
    );
    console.log('| command | wall ms | × node -e 0 | CPU ms | × node -e 0 |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    rows.forEach(([name], r) =>
      console.log(
        `| ${name} | ${wall[r].toFixed(0)} | ${(wall[r] / wall[0]).toFixed(2)} | ${cpu[r].toFixed(0)} | ${(cpu[r] / cpu[0]).toFixed(2)} |`,
      ),
    );
    const floor = median(serve.floor.map((x) => x.wall));
    const floorCpu = median(serve.floor.map((x) => x.cpu));
    for (const kind of kinds) {
      const w = median(serve[kind].map((x) => x.wall));
      const c = median(serve[kind].map((x) => x.cpu));
      const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
      console.log(
        `| dockyard serve → answering (${kind} data dir; wall ${range(serve[kind].map((x) => x.wall))}) | ${w.toFixed(0)} | ${(w / floor).toFixed(2)} | ${c.toFixed(0)} | ${(c / floorCpu).toFixed(2)} |`,
      );
    }
    console.log(
      '\nnpx dockyard inside the checkout runs node_modules/.bin/dockyard (scripts/link-bin.mjs; package.json declares ' +
        'no bin, else npm installs the checkout into its npx cache on every run); the rest over the command is npm ' +
        'starting and loading its exec command. bin/dockyard.js directly skips npm (docs/designs/start-up.md).',
    );
  } finally {
    for (const s of stops) s();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
