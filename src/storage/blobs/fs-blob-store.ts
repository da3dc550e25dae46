import type { Hash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { parseDigest } from '../../shared/index.js';
import {
  DigestMismatchError,
  LengthMismatchError,
  UploadTooLargeError,
  UploadUnknownError,
  checkFileName,
  type BlobInfo,
  type BlobReader,
  type BlobStore,
  type ByteRange,
  type UploadState,
} from './blob-store.js';
import { appendStream, readChunks } from './file-chunks.js';
import { withUploadFileLock } from './upload-file-lock.js';
import { UPLOAD_ACTIVE_WINDOW_MS, UploadHashes } from './upload-hashes.js';

const UPLOAD_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
/** Read size of `get` streams (small blobs, config reads; big downloads use `openReader` and pooled buffers). */
const STREAM_CHUNK = 1024 * 1024;
/**
 * An upload asks the kernel to write its bytes to disk (`fdatasync`, in the background) after every this many bytes
 * received, so the `fsync` at commit (before the rename that publishes the blob) has only the tail left to flush:
 * the disk works while the bytes arrive rather than all at once while the client waits for its PUT.
 */
const WRITEBACK_BYTES = 8 * 1024 * 1024;
/** Background syncs of finished appends at once (each holds its upload file open): FsBlobStore.endAppend. */
const MAX_TAIL_SYNCS = 64;

/**
 * Blobs under `<root>/blobs/sha256/ab/<hex>`; uploads under `<root>/uploads/<id>`. A blob file appears only via an
 * atomic rename of a fully written, fsynced, digest-verified upload file, so a crash never exposes a partial blob.
 * Several processes on one machine may share the directory: an upload's state is its file (any of them continues it),
 * appends and commits of one upload hold `uploads/<id>.lock`, and a process keeps the sha256 of the prefix it wrote;
 * at commit it hashes only the bytes after that prefix (all of them after a restart or when another node wrote them).
 */
export class FsBlobStore implements BlobStore {
  private readonly blobsDir: string;
  private readonly uploadsDir: string;
  private readonly filesDir: string;
  private readonly hashes = new UploadHashes();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Background syncs of each upload's last append (endAppend), awaited by its commit. */
  private readonly tailSyncs = new Map<string, Promise<void>>();

  constructor(
    root: string,
    private readonly activeWindowMs = UPLOAD_ACTIVE_WINDOW_MS,
  ) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.uploadsDir = join(root, 'uploads');
    this.filesDir = join(root, 'files');
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
    const reader = await this.openFile(digest);
    if (!reader) return null;
    const { fh, info } = reader;
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? info.size - 1, info.size - 1);
    if (end < start) {
      await fh.close();
      return { info, stream: Readable.from([]) };
    }
    // Bounded reads: without `end` every read allocates a full highWaterMark buffer, even for a 1 KiB blob.
    const stream = createReadStream('', { fd: fh, start, end, highWaterMark: Math.min(STREAM_CHUNK, end - start + 1) });
    return { info, stream };
  }

  async openReader(digest: string): Promise<BlobReader | null> {
    const file = await this.openFile(digest);
    if (!file) return null;
    const { fh, info } = file;
    return {
      info,
      read: async (buf, length, position) => (await fh.read(buf, 0, length, position)).bytesRead,
      close: () => fh.close(),
    };
  }

  private async openFile(digest: string): Promise<{ fh: FileHandle; info: BlobInfo } | null> {
    const p = this.blobPath(digest);
    if (!p) return null;
    let fh: FileHandle;
    try {
      fh = await open(p, 'r');
    } catch {
      return null;
    }
    try {
      return { fh, info: { digest, size: (await fh.stat()).size } };
    } catch (err) {
      await fh.close();
      throw err;
    }
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
    this.hashes.delete(id);
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

  /**
   * Ends an append: flushes the rest of it to disk in the background and then closes its file, so the client's next
   * request (the PUT that commits, a few ms later) finds little or nothing left to sync. Only a head start: the commit
   * still syncs (after waiting for this) and reports any failure; this one's errors are dropped. Each background sync
   * holds a file open, so there is at most one per upload and MAX_TAIL_SYNCS in all; past that the file is closed now
   * (the returned promise) and the commit's own sync does the work.
   */
  private endAppend(id: string, fh: FileHandle, syncing: Promise<void> | undefined): Promise<void> | undefined {
    if (this.tailSyncs.has(id) || this.tailSyncs.size >= MAX_TAIL_SYNCS) {
      return Promise.resolve(syncing).then(() => fh.close());
    }
    const tail: Promise<void> = Promise.resolve(syncing)
      .then(() => fh.datasync())
      .catch(() => undefined)
      .then(() => fh.close())
      .catch(() => undefined)
      .then(() => void this.tailSyncs.delete(id));
    this.tailSyncs.set(id, tail);
    return undefined;
  }

  /** Serializes operations on one upload, in this process and across processes (PATCHes must not interleave). */
  private async exclusive<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const lockPath = `${this.uploadPath(id)}.lock`;
    const run = prev.catch(() => undefined).then(() => withUploadFileLock(lockPath, id, fn));
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
      const prefix = this.hashes.prefix(id, before.size);
      // Hash along only when this process knows the hash of everything before (else commit catches up).
      const hash = prefix.size === before.size ? prefix.hash : undefined;
      let written = 0;
      const limit = options.maxSize;
      const expected = options.expectedLength;
      const fh = await open(path, 'r+');
      let unsynced = 0;
      let syncing: Promise<void> | undefined;
      try {
        await appendStream(
          fh,
          before.size,
          data,
          (chunk) => {
            written += chunk.length;
            if (limit !== undefined && before.size + written > limit) throw new UploadTooLargeError(limit);
            if (expected !== undefined && written > expected) throw new LengthMismatchError(expected, written);
            hash?.update(chunk);
            unsynced += chunk.length;
            if (unsynced >= WRITEBACK_BYTES && !syncing) {
              unsynced = 0;
              syncing = fh.datasync().then(
                () => void (syncing = undefined),
                () => void (syncing = undefined), // only a head start: commit fsyncs (and reports) for real
              );
            }
          },
          expected,
        );
        if (expected !== undefined && written !== expected) throw new LengthMismatchError(expected, written);
      } catch (err) {
        await syncing;
        await fh.truncate(before.size).catch(() => undefined);
        await fh.close();
        throw err;
      }
      await this.endAppend(id, fh, syncing);
      const size = before.size + written;
      if (hash) this.hashes.set(id, hash, size);
      return { id, size };
    });
  }

  commitUpload(id: string, expectedDigest: string): Promise<BlobInfo> {
    return this.exclusive(id, async () => {
      const path = this.uploadPath(id);
      const st = await this.uploadState(id);
      if (!st) throw new UploadUnknownError(id);
      const prefix = this.hashes.prefix(id, st.size);
      await hashRange(path, prefix.hash, prefix.size, st.size);
      const actual = `sha256:${prefix.hash.digest('hex')}`;
      const target = this.blobPath(expectedDigest);
      if (actual !== expectedDigest || !target) {
        throw new DigestMismatchError(expectedDigest, actual);
      }
      const existing = await this.stat(expectedDigest);
      if (existing) {
        await this.abortUpload(id);
        return existing;
      }
      await this.tailSyncs.get(id);
      const fh = await open(path, 'r+');
      try {
        await fh.datasync(); // the bytes and the size; the rename below is made durable by the directory's sync
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
    const path = this.uploadPath(id);
    await rm(path, { force: true });
    // A lock left by a process killed mid-append goes with its upload.
    await rm(`${path}.lock`, { force: true });
  }

  async isUploadActive(id: string): Promise<boolean> {
    if (this.locks.has(id)) return true;
    try {
      return Date.now() - (await stat(this.uploadPath(id))).mtimeMs < this.activeWindowMs;
    } catch {
      return false;
    }
  }

  async listUploads(): Promise<string[]> {
    return (await readdir(this.uploadsDir).catch(() => [] as string[])).filter((n) => UPLOAD_ID_RE.test(n));
  }

  /** Written to a private temp name beside the target, fsynced, then renamed over it: whole or nothing. */
  async putFile(name: string, data: Readable, options: { maxSize?: number } = {}): Promise<number> {
    const path = join(this.filesDir, checkFileName(name));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.partial-${randomBytes(6).toString('hex')}`;
    let written = 0;
    const limit = options.maxSize;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        written += chunk.length;
        if (limit !== undefined && written > limit) return cb(new UploadTooLargeError(limit));
        cb(null, chunk);
      },
    });
    try {
      await pipeline(data, tap, createWriteStream(tmp, { flags: 'wx', mode: 0o600, highWaterMark: STREAM_CHUNK }));
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return written;
  }

  async getFile(name: string): Promise<{ size: number; stream: Readable } | null> {
    const path = join(this.filesDir, checkFileName(name));
    let fh;
    try {
      fh = await open(path, 'r');
    } catch {
      return null;
    }
    const { size } = await fh.stat();
    return { size, stream: createReadStream('', { fd: fh, highWaterMark: STREAM_CHUNK }) };
  }

  async deleteFiles(dir: string): Promise<number> {
    const path = join(this.filesDir, checkFileName(dir));
    const count = async (p: string): Promise<number> => {
      let n = 0;
      for (const e of await readdir(p, { withFileTypes: true }).catch(() => [])) {
        n += e.isDirectory() ? await count(join(p, e.name)) : 1;
      }
      return n;
    };
    const n = await count(path);
    await rm(path, { recursive: true, force: true });
    return n;
  }
}

/** Feeds bytes [from, to) of a file into `hash`. */
async function hashRange(path: string, hash: Hash, from: number, to: number): Promise<void> {
  if (to <= from) return;
  const fh = await open(path, 'r');
  try {
    await readChunks(fh, from, to, (chunk) => hash.update(chunk));
  } finally {
    await fh.close();
  }
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
