// How close can any server come to docker-registry under skopeo? The same skopeo push and pull, alternating order,
// a fresh gzip-layer image each repetition, against:
//   Dockyard;
//   the Node floor — the smallest registries Node can be that still do a registry's work (bench/node-floor-servers.ts:
//     hash and write each upload / serve the files);
//   Node zero and Go zero — registries that do no work at all: pushes are discarded unread and unhashed, pulls are
//     answered from memory (node-floor-servers.ts with `zero`, bench/zero-registry.go);
//   Debian's docker-registry 2.8 (Go), the peer.
// If a server that does nothing is not at 0.8× of docker-registry, no server is: the rest of the time is skopeo's.
// Where Dockyard sits between the floors and the peer says how much of the gap is Dockyard's own.
// Run: node --import tsx bench/skopeo-floor.ts   BENCH_REPS=5, BENCH_LAYERS=8, BENCH_LAYER_MIB=32
// Needs: apt-get install -y skopeo docker-registry golang-go.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoZero, startGoZero } from './go-zero-registry.js';
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
  const nodeZeroSink = await startUploadSink(root, true);
  const goZero = buildGoZero(join(root, 'go'));
  const times: Record<string, number[]> = {};
  const record = (row: string, v: number) => (times[row] ??= []).push(v);
  // Per repetition: closed in `finally` too, so a failed copy ends the bench instead of leaving servers running.
  let perRep: { close(): void }[] = [];
  const closeRep = () => {
    for (const r of perRep) r.close();
    perRep = [];
  };
  try {
    for (let rep = 0; rep < REPS; rep++) {
      const src = join(root, `img${rep}`);
      writeImage(src, 'v1', { layers: LAYERS, layerMiB: LAYER_MIB, gzip: true });
      const layout = await startLayoutServer(src);
      const nodeZero = await startLayoutServer(src, true);
      const go = await startGoZero(goZero, src);
      perRep = [layout.server, nodeZero.server, { close: () => go.proc.kill('SIGKILL') }];
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
          name: 'node zero',
          push: () => [tls('dest'), `oci:${src}:v1`, `docker://${nodeZeroSink.host}/f/r${rep}:v1`],
          pull: () => [tls('src'), `docker://${nodeZero.host}/f/r${rep}:v1`, `oci:${dst}:v1`],
        },
        {
          name: 'go zero',
          push: () => [tls('dest'), `oci:${src}:v1`, `docker://${go.host}/push/r${rep}:v1`],
          pull: () => [tls('src'), `docker://${go.host}/f/r${rep}:v1`, `oci:${dst}:v1`],
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
      closeRep();
      rmSync(src, { recursive: true, force: true });
      rmSync(join(root, 'sink'), { recursive: true, force: true });
      mkdirSync(join(root, 'sink'));
    }
  } finally {
    closeRep();
    sink.server.close();
    nodeZeroSink.server.close();
    dock.proc.kill('SIGTERM');
    dist.proc.kill('SIGTERM');
    await new Promise((r) => dock.proc.once('exit', r));
    rmSync(root, { recursive: true, force: true });
  }
  console.log(
    `\nskopeo floor (${new Date().toISOString()}; ${REPS} reps, ${LAYERS} × ${LAYER_MIB} MiB gzip layers, medians in s, ` +
      'alternating; ratio = time / docker-registry 2.8)',
  );
  const names = ['dockyard', 'node floor', 'node zero', 'go zero', 'docker-registry'];
  console.log(`| copy | ${names.join(' | ')} |`);
  console.log(`| --- |${' ---: |'.repeat(names.length)}`);
  for (const op of ['push', 'pull']) {
    const peer = median(times[`${op} docker-registry`]);
    const cells = names.map((n) => {
      const m = median(times[`${op} ${n}`]);
      return n === 'docker-registry' ? m.toFixed(2) : `${m.toFixed(2)} (${(m / peer).toFixed(2)}×)`;
    });
    console.log(`| skopeo ${op}, s (× peer) | ${cells.join(' | ')} |`);
  }
  console.log(`\nall samples (s): ${JSON.stringify(times)}`);
}

await main();
