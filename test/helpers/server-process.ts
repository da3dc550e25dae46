import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { databaseFor } from './database.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dockyard.js');

/** `dockyard serve` as a real child process (for crash and restart tests). Resolves once it prints ready. */
export async function spawnServer(
  dataDir: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; output: () => string }> {
  // The PostgreSQL pass: the child server uses this data dir's test database (the same one across restarts).
  const database = await databaseFor(dataDir);
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--registry-port-base', '0', '--log-level', 'warn', ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', ...(database ? { DOCKYARD_DATABASE_URL: database } : {}) },
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      // Never leave a half-started server behind (it would hold its ports for the next run).
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, 90_000);
    child.stdout!.on('data', () => {
      if (out.includes('Dockyard is ready')) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server exited with ${code}:\n${out}`));
    });
  });
  return { child, output: () => out };
}

export async function stopServer(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}
