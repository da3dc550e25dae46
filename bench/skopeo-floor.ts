// How close can a Node server come to docker-registry under skopeo? The same skopeo push and pull against Dockyard,
// against the smallest registries Node can be (bench/node-floor-servers.ts: hash and write / serve files, nothing
// else) and against Debian's docker-registry 2.8, alternating order, a fresh gzip-layer image each repetition.
// If the Node floor itself is not at 0.8× of docker-registry, no Node server is; where Dockyard sits between the
// floor and the peer says how much of the gap is Dockyard's own (auth, database, fsync) and how much is Node's.
// Run: node --import tsx bench/skopeo-floor.ts   BENCH_REPS=5, BENCH_LAYERS=8, BENCH_LAYER_MIB=32
// Needs: apt-get install -y skopeo docker-registry.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLayoutServer, startUploadSink } from './node-floor-servers.js';
import { writeImage } from './oci-image.js';
import { startDistribution, startDockyard } from './servers.js';
import { skopeo } from './skopeo-rows.js';

const REPS = Number(process.env.BENCH_REPS ?? 5);
const LAYERS = Number(process.env.BENCH_LAYERS ?? 8);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 32);

/** Seconds one `skopeo copy` takes. */
const copySeconds = async (env: NodeJS.ProcessEnv, args: string[]) => (await skopeo(args, env)).wall;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dockyard-skopeo-floor-'));
  const env = { ...process.env, REGISTRY_AUTH_FILE: join(root, 'auth.json'), DOCKER_CONFIG: join(root, 'docker') };
  writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
  const dist = await startDistribution(join(root, 'distribution'));
  const dock = await startDockyard(join(root, 'dockyard'));
  mkdirSync(join(root, 'sink'));
  const sink = await startUploadSink(join(root, 'sink'));
  const times: Record<string, number[]> = {};
  const record = (row: string, v: number) => (times[row] ??= []).push(v);
  try {
    for (let rep = 0; rep < REPS; rep++) {
      const src = join(root, `img${rep}`);
      writeImage(src, 'v1', { layers: LAYERS, layerMiB: LAYER_MIB, gzip: true });
      const layout = await startLayoutServer(src);
      const dst = join(root, 'pulled');
      const tls = (dir: 'src' | 'dest') => `--${dir}-tls-verify=false`;
      const sides = [
        {
          name: 'dockyard',
          push: () => [
            tls('dest'),
            '--dest-creds',
            dock.creds,
            `oci:${src}:v1`,
            `docker://${dock.loginServer}/f/r${rep}:v1`,
          ],
          pull: () => [
            tls('src'),
            '--src-creds',
            dock.creds,
            `docker://${dock.loginServer}/f/r${rep}:v1`,
            `oci:${dst}:v1`,
          ],
        },
        {
          name: 'node floor',
          push: () => [tls('dest'), `oci:${src}:v1`, `docker://${sink.host}/f/r${rep}:v1`],
          pull: () => [tls('src'), `docker://${layout.host}/f/r${rep}:v1`, `oci:${dst}:v1`],
        },
        {
          name: 'docker-registry',
          push: () => [tls('dest'), `oci:${src}:v1`, `docker://${dist.base.host}/f/r${rep}:v1`],
          pull: () => [tls('src'), `docker://${dist.base.host}/f/r${rep}:v1`, `oci:${dst}:v1`],
        },
      ];
      const order = [...sides.slice(rep % sides.length), ...sides.slice(0, rep % sides.length)];
      for (const s of order) {
        record(`push ${s.name}`, await copySeconds(env, s.push()));
        record(`pull ${s.name}`, await copySeconds(env, s.pull()));
        rmSync(dst, { recursive: true, force: true });
      }
      layout.server.close();
      rmSync(src, { recursive: true, force: true });
      rmSync(join(root, 'sink'), { recursive: true, force: true });
      mkdirSync(join(root, 'sink'));
    }
  } finally {
    sink.server.close();
    dock.proc.kill('SIGTERM');
    dist.proc.kill('SIGTERM');
    await new Promise((r) => dock.proc.once('exit', r));
    rmSync(root, { recursive: true, force: true });
  }
  console.log(
    `\nskopeo floor (${new Date().toISOString()}; ${REPS} reps, ${LAYERS} × ${LAYER_MIB} MiB gzip layers, medians in s, ` +
      'alternating; ratio = time / docker-registry 2.8)',
  );
  console.log('| copy | Dockyard | Node floor | docker-registry | Dockyard ratio | Node floor ratio |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const op of ['push', 'pull']) {
    const [d, f, r] = ['dockyard', 'node floor', 'docker-registry'].map((n) => median(times[`${op} ${n}`]));
    console.log(
      `| skopeo ${op} | ${d.toFixed(2)} | ${f.toFixed(2)} | ${r.toFixed(2)} | ${(d / r).toFixed(2)}× | ${(f / r).toFixed(2)}× |`,
    );
  }
}

await main();
