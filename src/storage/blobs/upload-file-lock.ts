import { open, readFile, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { UploadConflictError } from './blob-store.js';

const WAIT_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` holding `<upload>.lock` (O_EXCL, holds the owner's pid): several Dockyard processes on one machine sharing
 * one blob directory never append to or commit one upload at once. A lock whose process is gone is taken over;
 * after WAIT_MS of a live owner the caller gets UploadConflictError.
 */
export async function withUploadFileLock<T>(lockPath: string, id: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      try {
        await fh.writeFile(String(process.pid));
      } finally {
        await fh.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(await readFile(lockPath, 'utf8').catch(() => '0'));
      if (owner > 0 && !alive(owner)) {
        // Re-check right before removing: another process may have taken the stale lock over meanwhile.
        if (Number(await readFile(lockPath, 'utf8').catch(() => '0')) === owner) await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new UploadConflictError(id);
      await sleep(20);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
