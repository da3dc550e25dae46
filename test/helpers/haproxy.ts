import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One TCP front door: haproxy listens on `listen` and spreads connections over `backends` (round robin). */
export interface HaproxyFrontend {
  name: string;
  listen: { host: string; port: number };
  backends: Array<{ host: string; port: number }>;
}

export interface RunningHaproxy {
  proc: ChildProcess;
  /** haproxy's own stderr so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** The configuration: TCP mode (TLS passes through to the nodes), health-checked backends, short connect timeouts. */
export function haproxyConfig(frontends: HaproxyFrontend[]): string {
  const lines = [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 120s',
    '  timeout server 120s',
    '  retries 2',
    '  option redispatch',
  ];
  for (const f of frontends) {
    lines.push(
      `frontend ${f.name}_in`,
      `  bind ${f.listen.host}:${f.listen.port}`,
      `  default_backend ${f.name}_nodes`,
      `backend ${f.name}_nodes`,
      '  balance roundrobin',
      ...f.backends.map((b, i) => `  server node${i + 1} ${b.host}:${b.port} check inter 500ms fall 2 rise 1`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts Debian's haproxy in the foreground with a config in a temp dir; resolves when every frontend accepts. */
export async function startHaproxy(frontends: HaproxyFrontend[]): Promise<RunningHaproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(frontends), { mode: 0o600 });
  const proc = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  for (const f of frontends) {
    while (!(await reachable(f.listen.host, f.listen.port))) {
      if (proc.exitCode !== null) throw new Error(`haproxy exited ${proc.exitCode}:\n${err}`);
      if (Date.now() > deadline) throw new Error(`haproxy did not listen on ${f.listen.host}:${f.listen.port}\n${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    proc,
    output: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
