import { Readable } from 'node:stream';
import {
  BlobServiceClient,
  RestError,
  type BlockBlobClient,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import { parseDigest } from '../../shared/index.js';
import {
  DigestMismatchError,
  UploadConflictError,
  UploadUnknownError,
  checkFileName,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type UploadState,
} from './blob-store.js';
import { stageBlocks } from './azure-block-stager.js';
import { UPLOAD_ACTIVE_WINDOW_MS, UploadHashes } from './upload-hashes.js';

const UPLOAD_ID_RE = /^[A-Za-z0-9_-]{8,64}$/;
const BLOBS = 'blobs/sha256/';
const UPLOADS = 'uploads/';
const FILES = 'files/';
/** A long append refreshes the upload's `touched` mark this often (so GC on another node sees it active). */
const TOUCH_EVERY_MS = 60_000;
/** Azure's limit of committed blocks per block blob. */
const MAX_BLOCKS = 50_000;

export interface AzureBlobStoreOptions {
  /** An Azure Storage connection string (account key or SAS). A secret: never logged. */
  connectionString: string;
  /** Container holding `blobs/sha256/<hex>` and `uploads/<id>`; created when missing. */
  container: string;
  /** See UPLOAD_ACTIVE_WINDOW_MS. */
  activeWindowMs?: number;
  pipeline?: StoragePipelineOptions;
}

const status = (err: unknown): number | undefined => (err instanceof RestError ? err.statusCode : undefined);
const isStatus = (err: unknown, ...codes: number[]) => codes.includes(status(err) ?? -1);

/**
 * Blobs in Azure Blob Storage (docs/designs/blob-storage.md). A blob is the block blob `blobs/sha256/<hex>`; an upload
 * is the private block blob `uploads/<id>`: each append stages its bytes in blocks and commits the upload's own block
 * list (old blocks + new ones, conditional on the ETag it started from, so a failed append changes nothing and
 * concurrent appends from two nodes cannot interleave). Its size, content and `touched` metadata are the whole upload
 * state, so any node can continue it. `commitUpload` hashes what this process has not hashed yet, then copies the
 * upload into place (server-side, conditional on the ETag it hashed) and deletes it.
 */
export class AzureBlobStore implements BlobStore {
  private readonly hashes = new UploadHashes();
  private readonly busy = new Map<string, number>();
  private readonly activeWindowMs: number;

  private constructor(
    private readonly container: ContainerClient,
    options: AzureBlobStoreOptions,
  ) {
    this.activeWindowMs = options.activeWindowMs ?? UPLOAD_ACTIVE_WINDOW_MS;
  }

  /** Connects and creates the container when it does not exist. */
  static async open(options: AzureBlobStoreOptions): Promise<AzureBlobStore> {
    const service = BlobServiceClient.fromConnectionString(options.connectionString, options.pipeline);
    const container = service.getContainerClient(options.container);
    await container.createIfNotExists();
    return new AzureBlobStore(container, options);
  }

  private blob(digest: string): BlockBlobClient | null {
    const d = parseDigest(digest);
    if (!d || d.algorithm !== 'sha256') return null;
    return this.container.getBlockBlobClient(BLOBS + d.hex);
  }

  private upload(id: string): BlockBlobClient {
    if (!UPLOAD_ID_RE.test(id)) throw new UploadUnknownError(id);
    return this.container.getBlockBlobClient(UPLOADS + id);
  }

  async stat(digest: string): Promise<BlobInfo | null> {
    const b = this.blob(digest);
    if (!b) return null;
    try {
      const p = await b.getProperties();
      // A copy still in flight (or failed) is not a blob yet.
      if (p.copyStatus && p.copyStatus !== 'success') return null;
      return { digest, size: p.contentLength ?? 0 };
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw err;
    }
  }

  async get(digest: string, range?: ByteRange): Promise<{ info: BlobInfo; stream: Readable } | null> {
    const b = this.blob(digest);
    if (!b) return null;
    try {
      const r = range
        ? await b.download(range.start, range.end - range.start + 1, { maxRetryRequests: 5 })
        : await b.download(0, undefined, { maxRetryRequests: 5 });
      if (r.copyStatus && r.copyStatus !== 'success') {
        (r.readableStreamBody as Readable | undefined)?.destroy();
        return null;
      }
      const total = r.contentRange ? Number(/\/(\d+)$/.exec(r.contentRange)?.[1]) : (r.contentLength ?? 0);
      const stream = (r.readableStreamBody as Readable | undefined) ?? Readable.from([]);
      return { info: { digest, size: total }, stream };
    } catch (err) {
      if (isStatus(err, 404)) return null;
      if (isStatus(err, 416)) {
        const st = await this.stat(digest);
        return st ? { info: st, stream: Readable.from([]) } : null;
      }
      throw err;
    }
  }

  async delete(digest: string): Promise<boolean> {
    const b = this.blob(digest);
    if (!b) return false;
    return (await b.deleteIfExists()).succeeded;
  }

  async *list(): AsyncIterable<string> {
    for await (const item of this.container.listBlobsFlat({ prefix: BLOBS })) {
      const hex = item.name.slice(BLOBS.length);
      if (/^[a-f0-9]{64}$/.test(hex)) yield `sha256:${hex}`;
    }
  }

  async startUpload(id: string): Promise<UploadState> {
    const u = this.upload(id);
    await u.upload(Buffer.alloc(0), 0, {
      conditions: { ifNoneMatch: '*' },
      metadata: { touched: String(Date.now()) },
    });
    this.hashes.delete(id);
    return { id, size: 0 };
  }

  async uploadState(id: string): Promise<UploadState | null> {
    try {
      const p = await this.upload(id).getProperties();
      return { id, size: p.contentLength ?? 0 };
    } catch (err) {
      if (isStatus(err, 404) || err instanceof UploadUnknownError) return null;
      throw err;
    }
  }

  /** Marks the upload as worked on by this process (for isUploadActive) while `fn` runs. */
  private async working<T>(id: string, fn: () => Promise<T>): Promise<T> {
    this.busy.set(id, (this.busy.get(id) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = (this.busy.get(id) ?? 1) - 1;
      if (n > 0) this.busy.set(id, n);
      else this.busy.delete(id);
    }
  }

  appendUpload(
    id: string,
    data: Readable,
    options: { expectedLength?: number; maxSize?: number } = {},
  ): Promise<UploadState> {
    return this.working(id, async () => {
      const u = this.upload(id);
      let list;
      try {
        list = await u.getBlockList('committed');
      } catch (err) {
        if (isStatus(err, 404)) throw new UploadUnknownError(id);
        throw err;
      }
      const committed = (list.committedBlocks ?? []).map((b) => b.name);
      const before = (list.committedBlocks ?? []).reduce((n, b) => n + b.size, 0);
      let etag = list.etag!;
      const prefix = this.hashes.prefix(id, before);
      const hash = prefix.size === before ? prefix.hash : undefined;
      let lastTouch = Date.now();
      const tick = async () => {
        if (Date.now() - lastTouch < TOUCH_EVERY_MS) return;
        lastTouch = Date.now();
        etag = (await u.setMetadata({ touched: String(lastTouch) }, { conditions: { ifMatch: etag } }).catch(conflict))
          .etag!;
      };
      const conflict = (err: unknown): never => {
        if (isStatus(err, 412, 409)) throw new UploadConflictError(id);
        if (isStatus(err, 404)) throw new UploadUnknownError(id);
        throw err;
      };
      const { blockIds, written } = await stageBlocks(u, data, { ...options, before, hash, tick });
      if (committed.length + blockIds.length > MAX_BLOCKS)
        throw new Error(`upload ${id} would exceed ${MAX_BLOCKS} blocks; use larger chunks`);
      if (blockIds.length) {
        await u
          .commitBlockList([...committed, ...blockIds], {
            conditions: { ifMatch: etag },
            metadata: { touched: String(Date.now()) },
          })
          .catch(conflict);
      }
      if (hash) this.hashes.set(id, hash, before + written);
      return { id, size: before + written };
    });
  }

  commitUpload(id: string, expectedDigest: string): Promise<BlobInfo> {
    return this.working(id, async () => {
      const u = this.upload(id);
      let props;
      try {
        props = await u.getProperties();
      } catch (err) {
        if (isStatus(err, 404)) throw new UploadUnknownError(id);
        throw err;
      }
      const size = props.contentLength ?? 0;
      const etag = props.etag!;
      // Hash only what this process has not: the whole upload when another node wrote its tail.
      const { hash, size: known } = this.hashes.prefix(id, size);
      if (known < size) {
        const r = await u
          .download(known, size - known, { conditions: { ifMatch: etag }, maxRetryRequests: 5 })
          .catch((err: unknown) => {
            throw isStatus(err, 412) ? new UploadConflictError(id) : err;
          });
        for await (const chunk of r.readableStreamBody as Readable) hash.update(chunk as Buffer);
      }
      const actual = `sha256:${hash.digest('hex')}`;
      const target = this.blob(expectedDigest);
      if (actual !== expectedDigest || !target) throw new DigestMismatchError(expectedDigest, actual);
      const existing = await this.stat(expectedDigest);
      if (!existing) {
        const poller = await target
          .beginCopyFromURL(u.url, { sourceConditions: { ifMatch: etag }, intervalInMs: 500 })
          .catch((err: unknown) => {
            throw isStatus(err, 412) ? new UploadConflictError(id) : err;
          });
        const done = await poller.pollUntilDone();
        if (done.copyStatus && done.copyStatus !== 'success')
          throw new Error(`copy of upload ${id} ${done.copyStatus}`);
      }
      await this.abortUpload(id);
      return existing ?? { digest: expectedDigest, size };
    });
  }

  async abortUpload(id: string): Promise<void> {
    this.hashes.delete(id);
    await this.upload(id).deleteIfExists();
  }

  async isUploadActive(id: string): Promise<boolean> {
    if (this.busy.has(id)) return true;
    try {
      const p = await this.upload(id).getProperties();
      const touched = Math.max(p.lastModified?.getTime() ?? 0, Number(p.metadata?.touched ?? 0) || 0);
      return Date.now() - touched < this.activeWindowMs;
    } catch (err) {
      if (isStatus(err, 404) || err instanceof UploadUnknownError) return false;
      throw err;
    }
  }

  async listUploads(): Promise<string[]> {
    const ids: string[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix: UPLOADS })) {
      const id = item.name.slice(UPLOADS.length);
      if (UPLOAD_ID_RE.test(id)) ids.push(id);
    }
    return ids;
  }

  /** Blocks staged on `files/<name>`, then one Put Block List: the file appears whole, or keeps its old content. */
  async putFile(name: string, data: Readable, options: { maxSize?: number } = {}): Promise<number> {
    const f = this.container.getBlockBlobClient(FILES + checkFileName(name));
    const { blockIds, written } = await stageBlocks(f, data, { before: 0, maxSize: options.maxSize });
    await f.commitBlockList(blockIds);
    return written;
  }

  async getFile(name: string): Promise<{ size: number; stream: Readable } | null> {
    try {
      const r = await this.container
        .getBlockBlobClient(FILES + checkFileName(name))
        .download(0, undefined, { maxRetryRequests: 5 });
      return {
        size: r.contentLength ?? 0,
        stream: (r.readableStreamBody as Readable | undefined) ?? Readable.from([]),
      };
    } catch (err) {
      if (isStatus(err, 404)) return null;
      throw err;
    }
  }

  async deleteFiles(dir: string): Promise<number> {
    let n = 0;
    for await (const item of this.container.listBlobsFlat({ prefix: `${FILES}${checkFileName(dir)}/` })) {
      if ((await this.container.getBlockBlobClient(item.name).deleteIfExists()).succeeded) n++;
    }
    return n;
  }
}
