// Measures `dockyard serve` start-to-ready time on a fresh and on an existing data dir.
// Run: node --import tsx bench/serve-startup.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function startOnce(dataDir: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const child = spawn(
    process.execPath,
    ['bin/dockyard.js', 'serve', '--data-dir', dataDir, '--port', '0', '--engine', 'none', '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('Dockyard is ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), 'dockyard-bench-'));
try {
  const fresh = await startOnce(dir);
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) warm.push(await startOnce(dir));
  console.log(
    `serve start-to-ready (process spawn included): fresh data dir ${fresh.toFixed(0)} ms; existing data dir median ${warm.sort((a, b) => a - b)[1].toFixed(0)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
