import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { isDigest } from '../../shared/index.js';
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

/** An in-memory BlobStore for unit tests; same contract as FsBlobStore. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Buffer>();
  private readonly uploads = new Map<string, Buffer[]>();
  private readonly files = new Map<string, Buffer>();

  async stat(digest: string): Promise<BlobInfo | null> {
    const b = this.blobs.get(digest);
    return b ? { digest, size: b.length } : null;
  }

  async get(digest: string, range?: ByteRange): Promise<{ info: BlobInfo; stream: Readable } | null> {
    const b = this.blobs.get(digest);
    if (!b) return null;
    const slice = range ? b.subarray(range.start, range.end + 1) : b;
    return { info: { digest, size: b.length }, stream: Readable.from([slice]) };
  }

  async openReader(digest: string): Promise<BlobReader | null> {
    const b = this.blobs.get(digest);
    if (!b) return null;
    return {
      info: { digest, size: b.length },
      read: async (buf, length, position) =>
        position >= b.length ? 0 : b.copy(buf, 0, position, Math.min(b.length, position + length)),
      close: async () => undefined,
    };
  }

  async delete(digest: string): Promise<boolean> {
    return this.blobs.delete(digest);
  }

  async *list(): AsyncIterable<string> {
    for (const d of [...this.blobs.keys()]) yield d;
  }

  async startUpload(id: string): Promise<UploadState> {
    if (this.uploads.has(id)) throw new Error(`upload ${id} exists`);
    this.uploads.set(id, []);
    return { id, size: 0 };
  }

  async uploadState(id: string): Promise<UploadState | null> {
    const parts = this.uploads.get(id);
    return parts ? { id, size: parts.reduce((n, p) => n + p.length, 0) } : null;
  }

  async appendUpload(
    id: string,
    data: Readable,
    options: { expectedLength?: number; maxSize?: number } = {},
  ): Promise<UploadState> {
    const parts = this.uploads.get(id);
    if (!parts) throw new UploadUnknownError(id);
    const before = parts.reduce((n, p) => n + p.length, 0);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of data) {
      const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
      n += b.length;
      if (options.maxSize !== undefined && before + n > options.maxSize) throw new UploadTooLargeError(options.maxSize);
      chunks.push(b);
    }
    if (options.expectedLength !== undefined && n !== options.expectedLength)
      throw new LengthMismatchError(options.expectedLength, n);
    parts.push(...chunks);
    return { id, size: before + n };
  }

  async commitUpload(id: string, expectedDigest: string): Promise<BlobInfo> {
    const parts = this.uploads.get(id);
    if (!parts) throw new UploadUnknownError(id);
    const buf = Buffer.concat(parts);
    const actual = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
    if (actual !== expectedDigest || !isDigest(expectedDigest)) throw new DigestMismatchError(expectedDigest, actual);
    this.uploads.delete(id);
    if (!this.blobs.has(actual)) this.blobs.set(actual, buf);
    return { digest: actual, size: buf.length };
  }

  async abortUpload(id: string): Promise<void> {
    this.uploads.delete(id);
  }

  /** Memory is one process: every upload that exists is active. */
  async isUploadActive(id: string): Promise<boolean> {
    return this.uploads.has(id);
  }

  async listUploads(): Promise<string[]> {
    return [...this.uploads.keys()];
  }

  async putFile(name: string, data: Readable, options: { maxSize?: number } = {}): Promise<number> {
    checkFileName(name);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of data) {
      const b = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
      n += b.length;
      if (options.maxSize !== undefined && n > options.maxSize) throw new UploadTooLargeError(options.maxSize);
      chunks.push(b);
    }
    this.files.set(name, Buffer.concat(chunks));
    return n;
  }

  async getFile(name: string): Promise<{ size: number; stream: Readable } | null> {
    const b = this.files.get(checkFileName(name));
    return b ? { size: b.length, stream: Readable.from([b]) } : null;
  }

  async deleteFiles(dir: string): Promise<number> {
    const prefix = `${checkFileName(dir)}/`;
    let n = 0;
    for (const k of [...this.files.keys()]) if (k.startsWith(prefix) && this.files.delete(k)) n++;
    return n;
  }
}
