// Shared by the registry benches: Debian's docker-registry (CNCF distribution 2.8) and a `dockyard serve` child, each a
// separate process on 127.0.0.1 with its own temp directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const LOCAL_ADMIN = '00000000-0000-0000-0000-00000000ad01';

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

export async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`not ready: ${url}`);
}

export interface StartedDistribution {
  base: URL;
  proc: ChildProcess;
}

export async function startDistribution(dir: string): Promise<StartedDistribution> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const cfg = join(dir, 'config.yml');
  writeFileSync(
    cfg,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const proc = spawn('docker-registry', ['serve', cfg], { stdio: 'ignore' }); // it logs every 404 even at level error
  await waitFor(`http://127.0.0.1:${port}/v2/`);
  return { base: new URL(`http://127.0.0.1:${port}`), proc };
}

export interface StartedDockyard {
  proc: ChildProcess;
  loginServer: string;
  base: URL;
  /** The ARM/API listener (also `/metrics`). */
  api: URL;
  /** `LOCAL_ADMIN:<admin key>` (skopeo --creds). */
  creds: string;
  /** An access token for these scopes (`repository:<n>:pull,push`). */
  token(scopes: string[]): Promise<string>;
}

/**
 * `dockyard serve` (bin/dockyard.js: dist/ when built) with a Premium registry `benchreg`. `checkout`: another
 * built checkout to run instead of this one (an older build to compare with); `port`: 0 for any free one.
 */
export async function startDockyard(dir: string, checkout = '.', port = 0): Promise<StartedDockyard> {
  const proc = spawn(
    process.execPath,
    [
      join(checkout, 'bin/dockyard.js'),
      'serve',
      '--data-dir',
      dir,
      '--port',
      String(port),
      '--engine',
      'none',
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"endpoint":"(http:[^"]+)"/.exec(out);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (c) => reject(new Error(`dockyard exited ${c}`)));
  });
  proc.stdout!.resume();
  const key = readFileSync(join(dir, 'admin.key'), 'utf8').trim();
  const h = { authorization: `DockyardKey ${key}`, 'content-type': 'application/json' };
  const sub = (
    (await (await fetch(`${endpoint}/dockyard/v1/info`, { headers: h })).json()) as { subscriptionId: string }
  ).subscriptionId;
  await fetch(`${endpoint}/subscriptions/${sub}/resourcegroups/bench?api-version=2022-09-01`, {
    method: 'PUT',
    headers: h,
    body: JSON.stringify({ location: 'eastus' }),
  });
  const reg = (await (
    await fetch(
      `${endpoint}/subscriptions/${sub}/resourcegroups/bench/providers/Microsoft.ContainerRegistry/registries/benchreg?api-version=2025-04-01`,
      { method: 'PUT', headers: h, body: JSON.stringify({ location: 'eastus', sku: { name: 'Premium' } }) },
    )
  ).json()) as { loginServer: string };
  const basic = Buffer.from(`${LOCAL_ADMIN}:${key}`).toString('base64');
  const token = async (scopes: string[]) => {
    const q = scopes.map((s) => `&scope=${encodeURIComponent(s)}`).join('');
    const url = `http://${reg.loginServer}/oauth2/token?service=${reg.loginServer}${q}`;
    // A pooled connection the server closed while wrk ran fails once ("other side closed"): retry on a fresh one.
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await fetch(url, { headers: { authorization: `Basic ${basic}`, connection: 'close' } });
        return ((await r.json()) as { access_token: string }).access_token;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
  };
  return {
    proc,
    loginServer: reg.loginServer,
    base: new URL(`http://${reg.loginServer}`),
    api: new URL(endpoint),
    creds: `${LOCAL_ADMIN}:${key}`,
    token,
  };
}

/** Peak and current RSS (MiB) of a process, from /proc (VmHWM is the high-water mark). */
export function rssMiB(pid: number): { peak: number; now: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { peak: kb('VmHWM') / 1024, now: kb('VmRSS') / 1024 };
}

/** Resets VmHWM so the next peak is measured from now (Linux: write 5 to clear_refs). */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    /* not permitted: the peak then covers the whole run */
  }
}
