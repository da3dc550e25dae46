import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { hashingTap } from '../../shared/index.js';

const execFileAsync = promisify(execFile);

/** Every entry gets this mtime, so a layer's bytes depend only on content, paths and modes. */
const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');

type Entry =
  | { type: 'directory'; mode: number }
  | { type: 'symlink'; linkname: string }
  | { type: 'file'; mode: number; host: string; size: number; mtimeMs: number }
  | { type: 'buffer'; mode: number; content: Buffer };

export interface WrittenLayer {
  path: string;
  /** sha256 of the uncompressed tar (= the layer digest, layers are stored uncompressed). */
  diffId: string;
  size: number;
}

/** Collects a root filesystem from host files and writes it as one deterministic, sorted layer tar. */
export class LayerBuilder {
  private readonly entries = new Map<string, Entry>();

  private put(path: string, e: Entry): void {
    const p = posix.normalize(`/${path}`).slice(1);
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!this.entries.has(d)) this.entries.set(d, { type: 'directory', mode: 0o755 });
    }
    this.entries.set(p, e);
  }

  dir(path: string, mode = 0o755): this {
    this.put(path, { type: 'directory', mode });
    return this;
  }

  symlink(path: string, target: string): this {
    this.put(path, { type: 'symlink', linkname: target });
    return this;
  }

  buffer(path: string, content: Buffer | string, mode = 0o644): this {
    this.put(path, { type: 'buffer', mode, content: Buffer.from(content) });
    return this;
  }

  /** Copies a host file (symlinks followed) to `path`. */
  async file(path: string, host: string, mode?: number): Promise<this> {
    const real = await realpath(host);
    const st = await stat(real);
    this.put(path, { type: 'file', mode: mode ?? st.mode & 0o7777, host: real, size: st.size, mtimeMs: st.mtimeMs });
    return this;
  }

  /** Copies a host binary to `path` plus every shared library `ldd` lists, at the paths ldd names. */
  async binaryWithLibs(path: string, host: string): Promise<this> {
    await this.file(path, host, 0o755);
    for (const lib of await sharedLibraries(host)) await this.file(lib, lib, 0o755);
    return this;
  }

  /** Copies a host directory tree (symlinks kept as symlinks) below `path`; `filter` sees host paths. */
  async tree(path: string, hostDir: string, filter: (hostPath: string) => boolean = () => true): Promise<this> {
    this.dir(path);
    for (const name of (await readdir(hostDir)).sort()) {
      const h = join(hostDir, name);
      if (!filter(h)) continue;
      const st = await lstat(h);
      const p = `${path}/${name}`;
      if (st.isDirectory()) await this.tree(p, h, filter);
      else if (st.isSymbolicLink()) this.symlink(p, await readlink(h));
      else if (st.isFile())
        this.put(p, { type: 'file', mode: st.mode & 0o7777, host: h, size: st.size, mtimeMs: st.mtimeMs });
    }
    return this;
  }

  /** A cheap fingerprint of the inputs (paths, modes, host file sizes and mtimes, buffer contents). */
  fingerprint(): string {
    const h = createHash('sha256');
    for (const [p, e] of [...this.entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      h.update(`${p}\0${e.type}\0`);
      if (e.type === 'directory') h.update(String(e.mode));
      else if (e.type === 'symlink') h.update(e.linkname);
      else if (e.type === 'file') h.update(`${e.mode}:${e.host}:${e.size}:${e.mtimeMs}`);
      else h.update(`${e.mode}:`).update(e.content);
      h.update('\n');
    }
    return h.digest('hex');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Writes the layer tar to `outPath`, hashing as it goes. */
  async write(outPath: string): Promise<WrittenLayer> {
    const pack = tar.pack();
    const tap = hashingTap();
    const done = pipeline(pack as unknown as NodeJS.ReadableStream, tap.stream, createWriteStream(outPath));
    const sorted = [...this.entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, e] of sorted) {
      const common = { name, mtime: FIXED_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
      if (e.type === 'directory') pack.entry({ ...common, type: 'directory', mode: e.mode });
      else if (e.type === 'symlink') pack.entry({ ...common, type: 'symlink', linkname: e.linkname, mode: 0o777 });
      else if (e.type === 'buffer') pack.entry({ ...common, mode: e.mode, size: e.content.length }, e.content);
      else {
        await new Promise<void>((res, rej) => {
          const w = pack.entry({ ...common, mode: e.mode, size: e.size }, (err) => (err ? rej(err) : res()));
          createReadStream(e.host)
            .on('error', rej)
            .pipe(w as unknown as NodeJS.WritableStream);
        });
      }
    }
    pack.finalize();
    await done;
    return { path: outPath, diffId: `sha256:${tap.hex()}`, size: tap.size };
  }
}

/** Absolute paths of the shared libraries `ldd` lists for a binary (none for static binaries). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execFileAsync('ldd', [binary]).catch((err: { stdout?: string }) => ({
    stdout: err.stdout ?? '',
  }));
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}
