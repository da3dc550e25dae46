/** Builds test/differential/gotemplate/main.go once (cached in the temp dir) and renders templates in batch mode. */
import { spawnSync, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'gotemplate', 'main.go');

export interface OracleCase {
  name: string;
  text: string;
  data: unknown;
}
export interface OracleResult {
  out?: string;
  err?: string;
}

/** Returns the path of the compiled oracle, or null (with the reason) when Go or Sprig is not installed. */
export function buildOracle(): { bin: string | null; reason?: string } {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return { bin: null, reason: 'go not installed (apt-get install golang-go golang-github-masterminds-sprig-dev)' };
  }
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'dockyard-gotemplate');
  const bin = join(dir, `gotemplate-${hash}`);
  if (existsSync(bin)) return { bin };
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}`;
  const r = spawnSync('go', ['build', '-o', tmp, '.'], {
    cwd: dirname(source),
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: '/usr/share/gocode',
      GOCACHE: join(dir, 'gocache'),
      GOFLAGS: '',
    },
    encoding: 'utf8',
  });
  if (r.status !== 0) return { bin: null, reason: `go build failed: ${r.stderr}` };
  renameSync(tmp, bin);
  return { bin };
}

/** Renders every case in one process. */
export function runOracle(bin: string, cases: OracleCase[]): OracleResult[] {
  const input =
    cases.map((c) => JSON.stringify({ name: c.name, text: c.text, data: c.data ?? null })).join('\n') + '\n';
  const r = spawnSync(bin, [], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, TZ: 'UTC' },
  });
  if (r.status !== 0) throw new Error(`oracle failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  if (lines.length !== cases.length)
    throw new Error(`oracle returned ${lines.length} results for ${cases.length} cases`);
  return lines.map((l) => JSON.parse(l) as OracleResult);
}
