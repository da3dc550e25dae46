// CLI and server start-up latency, next to `node -e 0` (the floor), measured alternating in the same run.
// Run: node --import tsx bench/cli-latency.ts   (BENCH_REPS=15; BENCH_NPX=0 skips the `npx dockyard` rows)
// Every row runs the launcher as users do (bin/dockyard.js → dist/ when built). Times are medians of wall clock and,
// with /usr/bin/time (apt: time), of the process's CPU time (user+sys), which a busy machine distorts less.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPS = Number(process.env.BENCH_REPS ?? 15);
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

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const [c0, a0] = TIME ? [TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...args]] : [cmd, args];
    const c = spawn(c0, a0, { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT });
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

/** `dockyard serve` from spawn until its API port answers an HTTP request. */
async function serveStart(dataDir: string): Promise<{ ms: number; stop: () => void; port: number }> {
  const port = await freePort();
  const t0 = process.hrtime.bigint();
  const c = spawn(
    process.execPath,
    [BIN, 'serve', '--data-dir', dataDir, '--port', String(port), '--engine', 'none', '--log-level', 'error'],
    { stdio: 'ignore', cwd: ROOT },
  );
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      break;
    } catch {
      if (c.exitCode !== null) throw new Error(`dockyard serve exited ${c.exitCode}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, stop: () => c.kill('SIGTERM'), port };
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
    const serveTimes: number[] = [];
    const floorForServe: number[] = [];
    for (let i = 0; i < Math.min(REPS, 5); i++) {
      floorForServe.push((await run(process.execPath, ['-e', '0'], env)).wall);
      const s = await serveStart(join(dir, `serve-${i}`));
      serveTimes.push(s.ms);
      s.stop();
      await new Promise((r) => setTimeout(r, 200));
    }
    const server = await serveStart(join(dir, 'data'));
    stops.push(server.stop);
    const cli = (...a: string[]) => run(process.execPath, [BIN, ...a], env);
    await cli('group', 'create', '-n', 'bench', '-l', 'eastus', '-o', 'none');
    await cli('acr', 'create', '-g', 'bench', '-n', 'benchreg', '--sku', 'Basic', '-o', 'none');
    const rows: Array<[string, () => Promise<Sample>]> = [
      ['node -e 0', () => run(process.execPath, ['-e', '0'], env)],
      ['dockyard --help', () => cli('--help')],
      ['dockyard acr show -n benchreg -o none', () => cli('acr', 'show', '-n', 'benchreg', '-o', 'none')],
      ['dockyard acr list', () => cli('acr', 'list')],
      ['dockyard group list', () => cli('group', 'list')],
      [
        'dockyard acr show -o yaml --query sku',
        () => cli('acr', 'show', '-n', 'benchreg', '-o', 'yaml', '--query', 'sku'),
      ],
    ];
    if (process.env.BENCH_NPX !== '0' && spawnSync('npx', ['--version']).status === 0) {
      rows.push([
        'npx dockyard acr show -n benchreg -o none',
        () => run('npx', ['--no-install', 'dockyard', 'acr', 'show', '-n', 'benchreg', '-o', 'none'], env),
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
    const sm = median(serveTimes);
    console.log(
      `| dockyard serve → answering (fresh data dir) | ${sm.toFixed(0)} | ${(sm / median(floorForServe)).toFixed(2)} | | |`,
    );
  } finally {
    for (const s of stops) s();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
