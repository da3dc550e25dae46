import type { Readable } from 'node:stream';
import type { BlobStore } from '../storage/index.js';

/** Blobs up to this size are served from memory after their first read. */
export const SMALL_BLOB_MAX = 64 * 1024;
const CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Small blobs (configs, tiny layers) kept in memory, least recently used out first, bounded by total bytes.
 * Blobs are content-addressed and immutable, so an entry never goes stale; whether a repository may read a blob is
 * still decided per request by its link (SQL), before this cache is consulted.
 */
export class SmallBlobCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = CACHE_BYTES) {}

  get(digest: string): Buffer | undefined {
    const b = this.entries.get(digest);
    if (b) {
      this.entries.delete(digest);
      this.entries.set(digest, b);
    }
    return b;
  }

  set(digest: string, data: Buffer): void {
    if (data.length > SMALL_BLOB_MAX || this.entries.has(digest)) return;
    this.entries.set(digest, data);
    this.bytes += data.length;
    for (const [d, b] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(d);
      this.bytes -= b.length;
    }
  }
}

const caches = new WeakMap<BlobStore, SmallBlobCache>();

/** The cache of one blob store (one per data dir). */
export function smallBlobCache(store: BlobStore): SmallBlobCache {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new SmallBlobCache()));
  return c;
}

/** Reads a small blob whole (through the cache); undefined when the store no longer has it. */
export async function readSmallBlob(store: BlobStore, digest: string, size: number): Promise<Buffer | undefined> {
  const cache = smallBlobCache(store);
  const hit = cache.get(digest);
  if (hit && hit.length === size) return hit;
  const got = await store.get(digest);
  if (!got) return undefined;
  const data = await collect(got.stream);
  if (data.length === got.info.size) cache.set(digest, data);
  return data;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}
