import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, readdir, rename, rm, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { parseDigest } from '../../shared/index.js';
import {
  DigestMismatchError,
  LengthMismatchError,
  UploadTooLargeError,
  UploadUnknownError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type UploadState,
} from './blob-store.js';

const UPLOAD_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
const READ_CHUNK = 1024 * 1024;
const SEND_CHUNK = 4 * 1024 * 1024;

/**
 * Blobs under `<root>/blobs/sha256/ab/<hex>`; uploads under `<root>/uploads/<id>`. A blob file appears only via an
 * atomic rename of a fully written, fsynced, digest-verified upload file, so a crash never exposes a partial blob.
 * The running sha256 of an upload is kept in memory while the process lives; after a restart it is recomputed.
 */
export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly uploadsDir: string;
  private readonly hashes = new Map<string, { hash: Hash; size: number }>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.uploadsDir = join(root, 'uploads');
    mkdirSync(this.blobsDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.uploadsDir, { recursive: true, mode: 0o700 });
  }

  private blobPath(digest: string): string | null {
    const d = parseDigest(digest);
    if (!d || d.algorithm !== 'sha256') return null;
    return join(this.blobsDir, d.hex.slice(0, 2), d.hex);
  }

  private uploadPath(id: string): string {
    if (!UPLOAD_ID_RE.test(id)) throw new UploadUnknownError(id);
    return join(this.uploadsDir, id);
  }

  async stat(digest: string): Promise<BlobInfo | null> {
    const p = this.blobPath(digest);
    if (!p) return null;
    try {
      const s = await stat(p);
      return { digest, size: s.size };
    } catch {
      return null;
    }
  }

  async get(digest: string, range?: ByteRange): Promise<{ info: BlobInfo; stream: Readable } | null> {
    const p = this.blobPath(digest);
    if (!p) return null;
    let fh;
    try {
      fh = await open(p, 'r');
    } catch {
      return null;
    }
    const s = await fh.stat();
    const stream = createReadStream('', {
      fd: fh,
      highWaterMark: SEND_CHUNK,
      ...(range ? { start: range.start, end: range.end } : {}),
    });
    return { info: { digest, size: s.size }, stream };
  }

  async delete(digest: string): Promise<boolean> {
    const p = this.blobPath(digest);
    if (!p) return false;
    try {
      await unlink(p);
      return true;
    } catch {
      return false;
    }
  }

  async *list(): AsyncIterable<string> {
    for (const prefix of await readdir(this.blobsDir).catch(() => [] as string[])) {
      for (const hex of await readdir(join(this.blobsDir, prefix)).catch(() => [] as string[])) {
        if (/^[a-f0-9]{64}$/.test(hex)) yield `sha256:${hex}`;
      }
    }
  }

  async startUpload(id: string): Promise<UploadState> {
    const fh = await open(this.uploadPath(id), 'wx', 0o600);
    await fh.close();
    this.hashes.set(id, { hash: createHash('sha256'), size: 0 });
    return { id, size: 0 };
  }

  async uploadState(id: string): Promise<UploadState | null> {
    try {
      const s = await stat(this.uploadPath(id));
      return { id, size: s.size };
    } catch {
      return null;
    }
  }

  /** Serializes operations on one upload (PATCHes of one session must not interleave). */
  private async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(fn);
    this.locks.set(id, run);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === run) this.locks.delete(id);
    }
  }

  appendUpload(
    id: string,
    data: Readable,
    options: { expectedLength?: number; maxSize?: number } = {},
  ): Promise<UploadState> {
    return this.exclusive(id, async () => {
      const path = this.uploadPath(id);
      const before = await this.uploadState(id);
      if (!before) throw new UploadUnknownError(id);
      let state = this.hashes.get(id);
      if (!state || state.size !== before.size) state = await rehash(path, before.size);
      const hash = state.hash.copy();
      let written = 0;
      const limit = options.maxSize;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          written += chunk.length;
          if (limit !== undefined && before.size + written > limit) return cb(new UploadTooLargeError(limit));
          if (options.expectedLength !== undefined && written > options.expectedLength)
            return cb(new LengthMismatchError(options.expectedLength, written));
          hash.update(chunk);
          cb(null, chunk);
        },
      });
      try {
        await pipeline(data, tap, createWriteStream(path, { flags: 'a', mode: 0o600, highWaterMark: READ_CHUNK }));
        if (options.expectedLength !== undefined && written !== options.expectedLength)
          throw new LengthMismatchError(options.expectedLength, written);
      } catch (err) {
        await truncate(path, before.size).catch(() => undefined);
        this.hashes.set(id, state);
        throw err;
      }
      const size = before.size + written;
      this.hashes.set(id, { hash, size });
      return { id, size };
    });
  }

  commitUpload(id: string, expectedDigest: string): Promise<BlobInfo> {
    return this.exclusive(id, async () => {
      const path = this.uploadPath(id);
      const st = await this.uploadState(id);
      if (!st) throw new UploadUnknownError(id);
      let state = this.hashes.get(id);
      if (!state || state.size !== st.size) state = await rehash(path, st.size);
      const actual = `sha256:${state.hash.copy().digest('hex')}`;
      const target = this.blobPath(expectedDigest);
      if (actual !== expectedDigest || !target) {
        throw new DigestMismatchError(expectedDigest, actual);
      }
      const existing = await this.stat(expectedDigest);
      if (existing) {
        await this.abortUpload(id);
        return existing;
      }
      const fh = await open(path, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      mkdirSync(join(target, '..'), { recursive: true, mode: 0o700 });
      await rename(path, target);
      this.hashes.delete(id);
      await syncDir(join(target, '..'));
      return { digest: expectedDigest, size: st.size };
    });
  }

  async abortUpload(id: string): Promise<void> {
    this.hashes.delete(id);
    await rm(this.uploadPath(id), { force: true });
  }

  isUploadActive(id: string): boolean {
    return this.hashes.has(id) || this.locks.has(id);
  }

  async listUploads(): Promise<string[]> {
    return (await readdir(this.uploadsDir).catch(() => [] as string[])).filter((n) => UPLOAD_ID_RE.test(n));
  }
}

async function rehash(path: string, size: number): Promise<{ hash: Hash; size: number }> {
  const hash = createHash('sha256');
  if (size > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: size - 1, highWaterMark: READ_CHUNK }))
      hash.update(chunk as Buffer);
  }
  return { hash, size };
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* directory fsync is best effort (not supported everywhere) */
  }
}
