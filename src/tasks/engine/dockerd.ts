import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DockyardError } from '../../shared/index.js';
import { isAlive, mountsUnder, pidsReferencing, terminate, unmountUnder } from './host-mounts.js';

export type StorageDriver = 'overlay2' | 'vfs';

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
    throw new DockyardError('EngineUnavailable', `docker socket path too long (${socketPath}); choose a shorter exec root`);
  }
  const pidFile = join(dataDir, 'dockerd.pid');
  const logFile = join(dataDir, 'dockerd.log');
  const configFile = join(dataDir, 'dockerd.json');
  await mkdir(dataRoot, { recursive: true });
  await mkdir(execRoot, { recursive: true, mode: 0o700 });
  await reapStale(pidFile, dataRoot, execRoot);
  // Our own config file, so /etc/docker/daemon.json never applies to the private daemon; the daemon's identity key
  // goes to the data dir too (dockerd 20.10 would otherwise create /etc/docker/key.json; config-file-only option).
  await writeFile(configFile, `${JSON.stringify({ 'deprecated-key-path': join(dataDir, 'dockerd-key.json') })}\n`);
  const preferred = opts.storageDriver ?? 'overlay2';
  const drivers: StorageDriver[] = preferred === 'overlay2' ? ['overlay2', 'vfs'] : ['vfs'];
  let lastError: unknown;
  for (const driver of drivers) {
    try {
      return await launch({ ...opts, dataRoot, execRoot, socketPath, pidFile, logFile, configFile, driver });
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
    '--data-root', s.dataRoot,
    '--exec-root', s.execRoot,
    '--pidfile', s.pidFile,
    '--config-file', s.configFile,
    '-H', `unix://${s.socketPath}`,
    '--iptables=false', '--ip6tables=false', '--ip-masq=false', '--bridge=none', '--userland-proxy=false',
    '--storage-driver', s.driver,
    '--containerd-namespace', ns,
    '--containerd-plugins-namespace', `${ns}-plugins`,
    '--shutdown-timeout', String(s.shutdownTimeoutSec ?? 2),
  ];
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
    if (await access(s.socketPath).then(() => true, () => false)) {
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
    throw new DockyardError('EngineUnavailable', `${exited ?? 'dockerd failed'} (storage driver ${s.driver}); log tail:\n${tail}`);
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
  return { socketPath: s.socketPath, pid, storageDriver: s.driver, dataRoot: s.dataRoot, execRoot: s.execRoot, logFile: s.logFile, startMs, stop };
}
