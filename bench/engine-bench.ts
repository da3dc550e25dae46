// Measures the real engine: dockerd start, library seeding (cold/warm), `run` of busybox echo, classic build of
// FROM+RUN, push and pull against a local docker-registry. Usage: node --import tsx bench/engine-bench.ts [iterations]
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine } from '../src/tasks/engine/index.js';
import { ensureLibraryImages } from '../src/tasks/library/index.js';
import { startRegistry } from '../test/e2e/engine/helpers.js';

const n = Number(process.argv[2] ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};

const dir = await mkdtemp(join(tmpdir(), 'dy-bench-'));
const registry = await startRegistry();
const t0 = performance.now();
const engine = await createDockerEngine({ dataDir: join(dir, 'data') });
const startMs = performance.now() - t0;
try {
  const lib = join(dir, 'data', 'library');
  const cold = await time(() => ensureLibraryImages(engine, { workDir: lib }));
  const warm = await time(() => ensureLibraryImages(engine, { workDir: lib }));
  const runs: number[] = [];
  for (let i = 0; i < n; i++)
    runs.push(
      await time(() => engine.run({ name: `bench-${i}`, image: 'busybox', args: ['echo', 'hi'], network: 'none' })),
    );
  const ctx = join(dir, 'ctx');
  await mkdir(ctx);
  const builds: number[] = [];
  for (let i = 0; i < n; i++) {
    await writeFile(join(ctx, 'Dockerfile'), `FROM busybox\nRUN echo ${i} > /n\n`);
    builds.push(
      await time(() => engine.build({ contextDir: ctx, tags: [`${registry.host}/bench/app:${i}`], noCache: true })),
    );
  }
  const auth = { username: registry.username, password: registry.password, serveraddress: registry.host };
  const pushes: number[] = [];
  for (let i = 0; i < n; i++)
    pushes.push(await time(() => engine.push({ image: `${registry.host}/bench/app:${i}`, auth })));
  const pulls: number[] = [];
  for (let i = 0; i < n; i++) {
    await engine.removeImage(`${registry.host}/bench/app:${i}`, true);
    pulls.push(await time(() => engine.pull({ image: `${registry.host}/bench/app:${i}`, auth })));
  }
  const stopMs = await time(() => engine.close());
  console.log(
    JSON.stringify(
      {
        dockerdStartMs: Math.round(startMs),
        storageDriver: engine.dockerd?.storageDriver,
        librarySeedColdMs: Math.round(cold),
        librarySeedWarmMs: Math.round(warm),
        runBusyboxEchoMs: Math.round(median(runs)),
        buildFromRunMs: Math.round(median(builds)),
        pushMs: Math.round(median(pushes)),
        pullMs: Math.round(median(pulls)),
        dockerdStopMs: Math.round(stopMs),
      },
      null,
      2,
    ),
  );
} finally {
  await engine.close();
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
}
