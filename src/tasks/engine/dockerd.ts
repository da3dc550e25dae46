import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { access, chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DockyardError } from '../../shared/index.js';
import { isAlive, mountsUnder, pidsReferencing, terminate, unmountUnder } from './host-mounts.js';

export type StorageDriver = 'overlay2' | 'vfs';
/** `remap`: the daemon runs containers in a user namespace (`--userns-remap`); `off`: container root is host root. */
export type EngineUserns = 'remap' | 'off';
/** The user whose /etc/subuid and /etc/subgid ranges the remapped daemon uses (Docker's `--userns-remap=default`). */
export const REMAP_USER = 'dockremap';

/** Host ids that root inside a remapped container runs as (the first subordinate uid and gid of REMAP_USER). */
export interface RemapRoot {
  uid: number;
  gid: number;
}

export interface DockerdOptions {
  /** Dockyard's data dir: the daemon keeps images/volumes in `<dataDir>/docker`. */
  dataDir: string;
  /** Exec root (sockets, netns, containerd state). Default: a short per-dataDir path under /run/dockyard. */
  execRoot?: string;
  /** Preferred storage driver; overlay2 falls back to vfs when the daemon cannot use it. */
  storageDriver?: StorageDriver;
  startTimeoutMs?: number;
  dockerdPath?: string;
  /** Seconds the daemon waits for containers on shutdown before killing them. Default 2. */
  shutdownTimeoutSec?: number;
  /** User-namespace remapping of container root (docs/designs/engine-isolation.md). Default `remap`. */
  userns?: EngineUserns;
}

export interface DockerdHandle {
  socketPath: string;
  pid: number;
  storageDriver: StorageDriver;
  dataRoot: string;
  execRoot: string;
  logFile: string;
  /** Milliseconds from spawn until the daemon answered /_ping. */
  startMs: number;
  /** Set when the daemon remaps container root: the host uid/gid container root runs as. */
  remapRoot?: RemapRoot;
  /** Directories above the data root that were given o+x so remapped root can reach its data root. */
  traversable?: string[];
  stop(): Promise<void>;
}

const MAX_SOCKET_PATH = 100;

/** A short exec root derived from the data dir: unix socket paths must stay under 108 bytes. */
export async function defaultExecRoot(dataDir: string): Promise<string> {
  const id = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 12);
  for (const base of ['/run/dockyard', join(tmpdir(), 'dkyd')]) {
    try {
      await mkdir(base, { recursive: true, mode: 0o700 });
      return join(base, id);
    } catch {
      /* try the next base */
    }
  }
  throw new DockyardError('EngineUnavailable', 'no writable directory for the docker exec root');
}

/** GET /_ping over the unix socket; true when the daemon answers OK. */
export function pingSocket(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((res) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (r) => {
      r.resume();
      res(r.statusCode === 200);
    });
    req.on('error', () => res(false));
    req.on('timeout', () => {
      req.destroy();
      res(false);
    });
    req.end();
  });
}

/** Stops a daemon a previous Dockyard process left running on this data dir, and its leftovers. */
async function reapStale(pidFile: string, dataRoot: string, execRoot: string): Promise<void> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (pid > 0 && isAlive(pid)) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(dataRoot)) await terminate(pid, 5000);
  }
  for (const p of await pidsReferencing(execRoot)) await terminate(p, 2000);
  await unmountUnder([execRoot, dataRoot]);
  await rm(pidFile, { force: true });
}

/** Starts a private dockerd owned by Dockyard; resolves once it answers /_ping. */
export async function startDockerd(opts: DockerdOptions): Promise<DockerdHandle> {
  const dataDir = resolve(opts.dataDir);
  const dataRoot = join(dataDir, 'docker');
  const execRoot = opts.execRoot ?? (await defaultExecRoot(dataDir));
  const socketPath = join(execRoot, 'docker.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new DockyardError(
      'EngineUnavailable',
      `docker socket path too long (${socketPath}); choose a shorter exec root`,
    );
  }
  const pidFile = join(dataDir, 'dockerd.pid');
  const logFile = join(dataDir, 'dockerd.log');
  const configFile = join(dataDir, 'dockerd.json');
  await mkdir(dataRoot, { recursive: true });
  await mkdir(execRoot, { recursive: true, mode: 0o700 });
  await reapStale(pidFile, dataRoot, execRoot);
  const userns = opts.userns ?? 'remap';
  const traversable = userns === 'remap' ? await grantTraverse(dataRoot) : [];
  // Our own config file, so /etc/docker/daemon.json never applies to the private daemon; the daemon's identity key
  // goes to the data dir too (dockerd 20.10 would otherwise create /etc/docker/key.json; config-file-only option).
  await writeFile(configFile, `${JSON.stringify({ 'deprecated-key-path': join(dataDir, 'dockerd-key.json') })}\n`);
  const preferred = opts.storageDriver ?? 'overlay2';
  const drivers: StorageDriver[] = preferred === 'overlay2' ? ['overlay2', 'vfs'] : ['vfs'];
  let lastError: unknown;
  for (const driver of drivers) {
    try {
      const handle = await launch({
        ...opts,
        userns,
        dataRoot,
        execRoot,
        socketPath,
        pidFile,
        logFile,
        configFile,
        driver,
      });
      return { ...handle, traversable };
    } catch (err) {
      lastError = err;
      await unmountUnder([execRoot, dataRoot]);
    }
  }
  if ((await mountsUnder([execRoot])).length === 0) await rm(execRoot, { recursive: true, force: true });
  throw lastError;
}

interface LaunchSpec extends DockerdOptions {
  dataRoot: string;
  execRoot: string;
  socketPath: string;
  pidFile: string;
  logFile: string;
  configFile: string;
  driver: StorageDriver;
}

async function launch(s: LaunchSpec): Promise<DockerdHandle> {
  const ns = `dockyard-${createHash('sha256').update(s.dataRoot).digest('hex').slice(0, 8)}`;
  const args = [
    '--data-root',
    s.dataRoot,
    '--exec-root',
    s.execRoot,
    '--pidfile',
    s.pidFile,
    '--config-file',
    s.configFile,
    '-H',
    `unix://${s.socketPath}`,
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    '--bridge=none',
    '--userland-proxy=false',
    '--storage-driver',
    s.driver,
    '--containerd-namespace',
    ns,
    '--containerd-plugins-namespace',
    `${ns}-plugins`,
    '--shutdown-timeout',
    String(s.shutdownTimeoutSec ?? 2),
  ];
  // `default` makes dockerd create the dockremap user and its subordinate ranges when scripts/setup.sh has not.
  if (s.userns === 'remap') args.push('--userns-remap', 'default');
  const logFd = openSync(s.logFile, 'a');
  const started = Date.now();
  const child = spawn(s.dockerdPath ?? 'dockerd', args, { detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited: string | undefined;
  child.on('exit', (code, sig) => {
    exited = `dockerd exited (${code ?? sig})`;
  });
  child.on('error', (err) => {
    exited = `dockerd could not start: ${err.message}`;
  });
  child.unref();
  const deadline = started + (s.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) break;
    if (
      await access(s.socketPath).then(
        () => true,
        () => false,
      )
    ) {
      if (await pingSocket(s.socketPath)) break;
    }
    if (Date.now() > deadline) {
      exited = 'dockerd did not become ready in time';
      if (child.pid) await terminate(child.pid, 2000);
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  if (exited || !child.pid) {
    const tail = (await readFile(s.logFile, 'utf8').catch(() => '')).split('\n').slice(-8).join('\n');
    throw new DockyardError(
      'EngineUnavailable',
      `${exited ?? 'dockerd failed'} (storage driver ${s.driver}); log tail:\n${tail}`,
    );
  }
  const pid = child.pid;
  const startMs = Date.now() - started;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await terminate(pid, 15_000);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* group already gone */
      }
      for (const p of await pidsReferencing(s.execRoot)) await terminate(p, 2000);
      await unmountUnder([s.execRoot, s.dataRoot]);
      await rm(s.pidFile, { force: true });
      await rm(s.socketPath, { force: true });
      // Nothing is mounted below the exec root any more: remove it so no state survives the daemon.
      if ((await mountsUnder([s.execRoot])).length === 0) await rm(s.execRoot, { recursive: true, force: true });
    })();
    return stopping;
  };
  let remapRoot: RemapRoot | undefined;
  if (s.userns === 'remap') {
    try {
      remapRoot = await subordinateRoot(REMAP_USER);
      // Remapped step containers reach the daemon through the mounted socket as their root's host gid.
      await chown(s.socketPath, 0, remapRoot.gid);
      await chmod(s.socketPath, 0o660);
    } catch (err) {
      await stop();
      throw new DockyardError('EngineUnavailable', `dockerd --userns-remap: ${(err as Error).message}`);
    }
  }
  return {
    socketPath: s.socketPath,
    pid,
    storageDriver: s.driver,
    dataRoot: s.dataRoot,
    execRoot: s.execRoot,
    logFile: s.logFile,
    startMs,
    remapRoot,
    stop,
  };
}

/**
 * dockerd --userns-remap refuses a data root that remapped root cannot reach ("a subdirectory in your graphroot path
 * ... restricts access to the remapped root uid/gid; please fix by allowing 'o+x' permissions"); mkdtemp's and home
 * directories are 0700. Gives o+x (traverse, not list) to each such ancestor and returns them.
 */
async function grantTraverse(dataRoot: string): Promise<string[]> {
  const granted: string[] = [];
  for (let d = dirname(dataRoot); d !== dirname(d); d = dirname(d)) {
    const st = await stat(d);
    if ((st.mode & 0o001) === 0) {
      await chmod(d, (st.mode & 0o7777) | 0o001);
      granted.push(d);
    }
  }
  return granted;
}

/** The first range of `user` in /etc/subuid and /etc/subgid: `user:start:count` lines (name or numeric uid). */
export async function subordinateRoot(user: string): Promise<RemapRoot> {
  const first = async (file: string): Promise<number> => {
    for (const line of (await readFile(file, 'utf8').catch(() => '')).split('\n')) {
      const [name, start, count] = line.trim().split(':');
      if (name === user && Number(count) > 0 && Number.isInteger(Number(start))) return Number(start);
    }
    throw new Error(`no ${file} range for ${user} (scripts/setup.sh creates it)`);
  };
  return { uid: await first('/etc/subuid'), gid: await first('/etc/subgid') };
}
