// Cost of user-namespace remapping on the private dockerd (docs/designs/engine-isolation.md): daemon start (fresh data
// dir, then warm restarts), `docker run --rm busybox true` latency (network none, and host for remap's opt-out), for
// engineUserns=off and =remap on the same machine in one process run.
// Run: node --import tsx bench/engine-userns.ts [runs=10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine, type DockerEngine, type EngineUserns } from '../src/tasks/engine/index.js';
import { ensureLibraryImages } from '../src/tasks/library/index.js';

const N = Number(process.argv[2] ?? 10);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function runTimes(engine: DockerEngine, network: 'none' | 'host'): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await engine.run({ name: `bench-true-${i}`, image: 'busybox', args: ['true'], network });
    if (r.exitCode !== 0) throw new Error(`busybox true exited ${r.exitCode}`);
    times.push(performance.now() - t0);
  }
  return times;
}

for (const userns of ['off', 'remap'] as EngineUserns[]) {
  const dir = mkdtempSync(join(tmpdir(), `dy-bench-userns-${userns}-`));
  try {
    const starts: number[] = [];
    let engine = await createDockerEngine({ dataDir: join(dir, 'data'), userns });
    starts.push(engine.dockerd!.startMs);
    const t0 = performance.now();
    await ensureLibraryImages(engine, { workDir: join(dir, 'data', 'library'), only: ['busybox'] });
    const library = performance.now() - t0;
    for (let i = 0; i < 2; i++) {
      await engine.close();
      engine = await createDockerEngine({ dataDir: join(dir, 'data'), userns });
      starts.push(engine.dockerd!.startMs);
    }
    const none = await runTimes(engine, 'none');
    const host = await runTimes(engine, 'host');
    await engine.close();
    console.log(`engineUserns=${userns} (${engine.dockerd!.storageDriver}):`);
    console.log(`  dockerd start: fresh ${starts[0]} ms, warm ${starts.slice(1).join(' / ')} ms`);
    console.log(`  offline library busybox build+load: ${library.toFixed(0)} ms`);
    console.log(
      `  run --rm busybox true, median of ${N}: network none ${median(none).toFixed(0)} ms, host ${median(host).toFixed(0)} ms`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
