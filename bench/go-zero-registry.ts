// Builds and starts bench/zero-registry.go (a registry that does no work, in Go) for bench/skopeo-floor.ts.
// Needs Go (`apt-get install -y golang-go`; scripts/setup.sh --test installs it). Standard library only: builds offline.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Compiles the zero registry into `dir`; returns the binary's path. */
export function buildGoZero(dir: string): string {
  const out = join(dir, 'zero-registry');
  const source = fileURLToPath(new URL('./zero-registry.go', import.meta.url));
  execFileSync('go', ['build', '-o', out, source], {
    env: { ...process.env, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return out;
}

/** Starts the zero registry serving `layout`; resolves with its host:port once it listens. */
export function startGoZero(binary: string, layout: string): Promise<{ host: string; proc: ChildProcess }> {
  const proc = spawn(binary, [layout], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`zero-registry exited (${code}) before listening`)));
    createInterface({ input: proc.stdout! }).once('line', (host) => resolve({ host: host.trim(), proc }));
  });
}
