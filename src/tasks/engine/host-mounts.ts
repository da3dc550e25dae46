import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Decodes the octal escapes (\040 etc.) of /proc/self/mountinfo fields. */
const unescapeMount = (s: string): string =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points at or below any of `roots`, deepest first. */
export async function mountsUnder(roots: string[]): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 5) continue;
    const point = unescapeMount(fields[4]);
    if (roots.some((r) => point === r || point.startsWith(`${r}/`))) points.add(point);
  }
  return [...points].sort((a, b) => b.length - a.length);
}

/**
 * Unmounts everything dockerd/containerd left below `roots` (netns bind mounts, overlay mounts, shm).
 * Lazy unmounts, repeated because some points are stacked (exec-root/netns/default is often mounted twice).
 */
export async function unmountUnder(roots: string[]): Promise<void> {
  for (let pass = 0; pass < 6; pass++) {
    const points = await mountsUnder(roots);
    if (points.length === 0) return;
    for (const p of points) await execFileAsync('umount', ['-l', p]).catch(() => undefined);
  }
}

/** Pids of processes whose command line mentions `needle` (e.g. containerd and shims of a private daemon). */
export async function pidsReferencing(needle: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const cmd = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(needle)) out.push(pid);
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is a zombie or gone. */
async function isGone(pid: number): Promise<boolean> {
  if (!isAlive(pid)) return true;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat === '' || / Z /.test(stat.slice(stat.lastIndexOf(')')));
}

/** Sends SIGTERM, waits up to graceMs, then SIGKILL; resolves once the process is gone. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  const send = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (await isGone(pid)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  send('SIGKILL');
  for (let i = 0; i < 100 && !(await isGone(pid)); i++) await new Promise((r) => setTimeout(r, 20));
}
