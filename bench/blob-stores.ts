// skopeo push and pull of one 64 MiB layer: blobs on the local disk (fs) vs Azure Blob Storage (Azurite on loopback),
// same Dockyard server code in the same run, alternating which goes first; medians and the azure/fs ratio printed.
// Run: node --import tsx bench/blob-stores.ts   (BENCH_REPS=3, BENCH_LAYER_MIB=64). Needs skopeo (scripts/setup.sh --test).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite } from '../test/helpers/azurite.js';
import { LOCAL_ADMIN, startRegistryHarness } from '../test/conformance/registry-harness.js';
import { writeOciLayout } from '../test/e2e/registry/oci-layout.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 64);

function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const c = spawn('skopeo', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) =>
      code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`skopeo: ${err}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const az = await startAzurite();
  const work = mkdtempSync(join(tmpdir(), 'dockyard-bench-blobs-'));
  const kinds = {
    fs: {},
    azure: { blobStore: 'azure', blobConnectionString: az.connectionString, blobContainer: `bench${Date.now()}` },
  };
  const harness = {
    fs: await startRegistryHarness({ overrides: { ...kinds.fs, logLevel: 'silent' } }),
    azure: await startRegistryHarness({ overrides: { ...kinds.azure, logLevel: 'silent' } }),
  };
  const env = { ...process.env, REGISTRY_AUTH_FILE: join(work, 'auth.json') };
  writeFileSync(env.REGISTRY_AUTH_FILE, '{"auths":{}}');
  const res: Record<'fs' | 'azure', { push: number[]; pull: number[] }> = {
    fs: { push: [], pull: [] },
    azure: { push: [], pull: [] },
  };
  for (let i = 0; i < REPS; i++) {
    const order: Array<'fs' | 'azure'> = i % 2 ? ['azure', 'fs'] : ['fs', 'azure'];
    for (const kind of order) {
      const h = harness[kind];
      const src = join(work, `src-${kind}-${i}`);
      await writeOciLayout(src, 'v1', 1, LAYER_MIB * 1024 * 1024);
      const creds = `${LOCAL_ADMIN}:${h.ts.platform.admin.key}`;
      const ref = `docker://${h.loginServer}/bench/${randomUUID().slice(0, 8)}:v1`;
      res[kind].push.push(
        await timed(['copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${src}:v1`, ref], env),
      );
      const dst = join(work, `dst-${kind}-${i}`);
      res[kind].pull.push(
        await timed(['copy', '--src-tls-verify=false', '--src-creds', creds, ref, `oci:${dst}:v1`], env),
      );
      rmSync(src, { recursive: true, force: true });
      rmSync(dst, { recursive: true, force: true });
    }
  }
  const rate = (ms: number) => ((LAYER_MIB * 1000) / ms).toFixed(0);
  console.log(`skopeo copy of one ${LAYER_MIB} MiB layer, median of ${REPS} (ms, MiB/s):`);
  for (const op of ['push', 'pull'] as const) {
    const f = median(res.fs[op]);
    const a = median(res.azure[op]);
    console.log(
      `  ${op}: fs ${f.toFixed(0)} ms (${rate(f)} MiB/s), azure(Azurite) ${a.toFixed(0)} ms (${rate(a)} MiB/s), azure/fs ${(a / f).toFixed(2)}x`,
    );
  }
  await harness.fs.cleanup();
  await harness.azure.cleanup();
  await az.stop();
  rmSync(work, { recursive: true, force: true });
}

await main();
