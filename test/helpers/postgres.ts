import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A private PostgreSQL 15 cluster for tests (Debian's postgresql-15, `scripts/setup.sh --test`): initdb'd in a temp
 * dir as `nobody` (initdb refuses root), listening only on a unix socket inside that 0700 dir, password auth
 * (scram) for its one superuser. Stopped and removed when the test process exits.
 *
 * One process shares one cluster: `DOCKYARD_TEST_PG_ADMIN_URL` (set by `scripts/run-tests.mjs` for its PostgreSQL
 * pass) points at a cluster started once for every file; otherwise the first call starts one for this process.
 */
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const RUN_AS = { user: 'nobody', uid: 65534, gid: 65534 };

export interface PostgresCluster {
  /** Superuser URL of the `postgres` database (creating test databases). */
  adminUrl: string;
  dir: string;
  stop(): Promise<void>;
}

/** A URL of the same cluster and credentials on another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function asNobody(cmd: string, args: string[]): string[] {
  return ['--reuid', String(RUN_AS.uid), '--regid', String(RUN_AS.gid), '--clear-groups', '--', cmd, ...args];
}

/** Running (not gone, not a zombie waiting for this process to reap it). */
function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}): ${log()}`);
    const c = new pg.Client({ connectionString: url });
    try {
      await c.connect();
      await c.end();
      return;
    } catch (err) {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not start: ${(err as Error).message}: ${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts a fresh cluster (about a second: initdb + start). */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  if (!existsSync(join(PG_BIN, 'postgres'))) {
    throw new Error(`PostgreSQL 15 is not installed (${PG_BIN}): run scripts/setup.sh --test`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password, { mode: 0o600 });
  mkdirSync(data, { mode: 0o700 });
  for (const p of [dir, data, pwfile]) chownSync(p, RUN_AS.uid, RUN_AS.gid);
  chmodSync(dir, 0o700);
  const init = spawnSync(
    'setpriv',
    asNobody(join(PG_BIN, 'initdb'), [
      '-D',
      data,
      '-U',
      'dockyard',
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '--locale=C',
      '--encoding=UTF8',
      '--no-sync',
    ]),
    { encoding: 'utf8', cwd: dir },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  rmSync(pwfile);
  let output = '';
  const child = spawn(
    'setpriv',
    asNobody(join(PG_BIN, 'postgres'), [
      '-D',
      data,
      '-k',
      dir,
      '-c',
      'listen_addresses=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=32MB',
    ]),
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  // The cluster never keeps the test process alive: it is stopped by the 'exit' handler below.
  child.unref();
  (child.stdout as unknown as { unref?: () => void })?.unref?.();
  (child.stderr as unknown as { unref?: () => void })?.unref?.();
  // At process exit (synchronous): immediate shutdown, wait up to 5 s for postgres to go, then remove the dir.
  const onExit = () => {
    child.kill('SIGQUIT');
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 250 && isAlive(child.pid); i++) Atomics.wait(sleeper, 0, 0, 20);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const adminUrl = `postgresql://dockyard:${password}@localhost/postgres?host=${encodeURIComponent(dir)}`;
  try {
    await waitReady(adminUrl, child, () => output);
  } catch (err) {
    onExit();
    throw err;
  }
  return {
    adminUrl,
    dir,
    async stop() {
      process.removeListener('exit', onExit);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.ref(); // keep this process alive until the cluster is down
        child.kill('SIGINT'); // fast shutdown
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<PostgresCluster> | undefined;

/** This process's cluster: the one run-tests started (DOCKYARD_TEST_PG_ADMIN_URL) or one started on first use. */
export async function testCluster(): Promise<{ adminUrl: string }> {
  const given = process.env.DOCKYARD_TEST_PG_ADMIN_URL;
  if (given) return { adminUrl: given };
  shared ??= startPostgresCluster();
  return shared;
}

/** Creates an empty database (C collation, UTF8) on this process's cluster; returns its URL. */
export async function createTestDatabase(prefix = 't'): Promise<string> {
  const { adminUrl } = await testCluster();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`.toLowerCase();
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`create database "${name}" template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
  } finally {
    await c.end();
  }
  return withDatabase(adminUrl, name);
}

/** Whether this test process runs its servers on PostgreSQL (`DOCKYARD_TEST_DATABASE=postgres`). */
export const testOnPostgres = (): boolean => process.env.DOCKYARD_TEST_DATABASE === 'postgres';
