import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? res(addr.port) : rej(new Error('no port'))));
    });
  });
}

/** A bcrypt hash for an htpasswd file, made with the system crypt(3) through perl (perl-base is essential in Debian). */
export function bcrypt(password: string): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(21)].map((b) => alphabet[b % 64]).join('') + '.';
  const out = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`]).toString();
  if (!out.startsWith('$2b$')) throw new Error('crypt(3) has no bcrypt here');
  return out;
}

export interface TestRegistry {
  host: string;
  username: string;
  password: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry (CNCF distribution) on 127.0.0.1 with basic auth and its own config file. */
export async function startRegistry(): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'dy-reg-'));
  const username = 'ci-user';
  const password = randomBytes(12).toString('hex');
  await writeFile(join(dir, 'htpasswd'), `${username}:${bcrypt(password)}\n`);
  let lastErr = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    await writeFile(
      join(dir, 'config.yml'),
      [
        'version: 0.1',
        'log: { level: error }',
        `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
        `http: { addr: "127.0.0.1:${port}" }`,
        `auth: { htpasswd: { realm: dockyard-test, path: ${join(dir, 'htpasswd')} } }`,
        '',
      ].join('\n'),
    );
    const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => (lastErr += d.toString()));
    const ok = await waitHttp(`http://127.0.0.1:${port}/v2/`, child);
    if (ok) {
      return {
        host: `127.0.0.1:${port}`,
        username,
        password,
        stop: async () => {
          child.kill('SIGTERM');
          await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    child.kill('SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`docker-registry did not start: ${lastErr}`);
}

async function waitHttp(url: string, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) return false;
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 401 || status === 200) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Collects engine output. */
export function collector(): { text: () => string; onOutput: (c: string) => void } {
  let buf = '';
  return { text: () => buf, onOutput: (c: string) => (buf += c) };
}
