/**
 * Reusable buffers for streaming big blobs (upload writes, download reads). A transfer takes a few buffers and gives
 * them back, so a 2 GiB layer allocates a handful of buffers instead of one per chunk: no mmap/munmap and page faults
 * per chunk, and no external-memory pressure that makes V8 collect garbage every few chunks.
 *
 * The size depends on how many transfers are running: `CHUNK` while few are, `SMALL_CHUNK` once more than
 * `BUSY_TRANSFERS` are, so 50 parallel pushes hold ~50 × 2 × 256 KiB rather than 50 × 2 × 1 MiB. At most `KEEP` free
 * buffers of each size stay allocated between transfers.
 */
const CHUNK = 1024 * 1024;
const SMALL_CHUNK = 256 * 1024;
const BUSY_TRANSFERS = 8;
const KEEP = 4;

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private active = 0;

  constructor(
    private readonly chunk = CHUNK,
    private readonly smallChunk = SMALL_CHUNK,
    private readonly busy = BUSY_TRANSFERS,
    private readonly keep = KEEP,
  ) {}

  /** Starts a transfer of `total` bytes (when known): its buffers, from `take`, are at most that big. */
  transfer(total?: number): PooledTransfer {
    this.active++;
    const size = this.active > this.busy ? this.smallChunk : this.chunk;
    return new PooledTransfer(this, total !== undefined ? Math.max(1, Math.min(size, total)) : size);
  }

  /** A buffer of exactly `size` bytes (recycled when one is free). */
  take(size: number): Buffer {
    return this.free.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  give(buf: Buffer): void {
    const list = this.free.get(buf.length) ?? [];
    if (list.length < this.keep && (buf.length === this.chunk || buf.length === this.smallChunk)) {
      list.push(buf);
      this.free.set(buf.length, list);
    }
  }

  /** @internal: a transfer ended. */
  ended(): void {
    this.active--;
  }

  /** Transfers running now (for tests and diagnostics). */
  get transfers(): number {
    return this.active;
  }
}

/** The buffers of one transfer: all the same size; `end` returns the ones it still holds. */
export class PooledTransfer {
  private readonly held = new Set<Buffer>();
  private done = false;

  constructor(
    private readonly pool: BufferPool,
    readonly size: number,
  ) {}

  take(): Buffer {
    const b = this.pool.take(this.size);
    this.held.add(b);
    return b;
  }

  /** Gives a buffer back early (its bytes were written). */
  give(buf: Buffer): void {
    if (this.held.delete(buf)) this.pool.give(buf);
  }

  /** Ends the transfer; call only once nothing reads from or writes to its buffers any more. */
  end(): void {
    if (this.done) return;
    this.done = true;
    for (const b of this.held) this.pool.give(b);
    this.held.clear();
    this.pool.ended();
  }
}

/** One pool per process: the memory it keeps is bounded by `KEEP` × (1 MiB + 256 KiB). */
export const blobBuffers = new BufferPool();
