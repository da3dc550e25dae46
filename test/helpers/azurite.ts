import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  connectionString: string;
  port: number;
  stop(): Promise<void>;
}

let shared: Promise<Azurite> | undefined;

/**
 * Starts Azurite's blob service (the npm devDependency) on 127.0.0.1, a free port, in-memory persistence; stopped when
 * the process exits (or by `stop()`). One instance per test process is shared by every caller.
 */
export function startAzurite(): Promise<Azurite> {
  shared ??= launch();
  return shared;
}

async function launch(): Promise<Azurite> {
  const main = join(dirname(createRequire(import.meta.url).resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const workDir = mkdtempSync(join(tmpdir(), 'dockyard-azurite-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--loose',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
    ],
    { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`azurite did not start:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /successfully listens on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite exited with ${code}:\n${out}`));
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  // Nothing but the exit hook may keep the test process alive.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};` +
    `BlobEndpoint=http://127.0.0.1:${port}/${ACCOUNT};`;
  return {
    connectionString,
    port,
    async stop() {
      process.off('exit', kill);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * Copies every committed blob of one container into another (created when missing) with server-side Copy Blob — what
 * `az storage blob sync` / azcopy do for a backup (docs/deploy.md §5). Returns the number of blobs copied.
 */
export async function copyContainer(connectionString: string, from: string, to: string): Promise<number> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  const service = BlobServiceClient.fromConnectionString(connectionString);
  const source = service.getContainerClient(from);
  const target = service.getContainerClient(to);
  await target.createIfNotExists();
  let n = 0;
  for await (const b of source.listBlobsFlat()) {
    const poller = await target.getBlobClient(b.name).beginCopyFromURL(source.getBlobClient(b.name).url, {
      intervalInMs: 200,
    });
    const done = await poller.pollUntilDone();
    if (done.copyStatus !== 'success') throw new Error(`copy of ${b.name}: ${done.copyStatus}`);
    n++;
  }
  return n;
}
