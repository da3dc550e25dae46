/**
 * Reusable buffers for streaming big blobs (upload writes, download reads). A transfer takes a few buffers and gives
 * them back, so a 2 GiB layer allocates a handful of buffers instead of one per chunk: no mmap/munmap and page faults
 * per chunk, and no external-memory pressure that makes V8 collect garbage every few chunks.
 *
 * The size depends on how many transfers are running: `CHUNK` while few are, `SMALL_CHUNK` once more than
 * `BUSY_TRANSFERS` are. The bytes all transfers hold together are bounded by `BUDGET`, except that a transfer holding
 * none always gets one (so it never waits on others): a transfer that wants another buffer beyond the budget gets
 * none and waits for one of its own to come back (its write or send to finish), which slows it down to one buffer at
 * a time rather than allocating more. 50 parallel pushes hold ~50 × 256 KiB + a little, not 50 × 3 × 256 KiB.
 * At most `KEEP` free buffers of each size stay allocated between transfers.
 */
const CHUNK = 1024 * 1024;
const SMALL_CHUNK = 256 * 1024;
const BUSY_TRANSFERS = 8;
const KEEP = 4;
const BUDGET = 16 * 1024 * 1024;

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private active = 0;
  private lent = 0;

  constructor(
    private readonly chunk = CHUNK,
    private readonly smallChunk = SMALL_CHUNK,
    private readonly busy = BUSY_TRANSFERS,
    private readonly keep = KEEP,
    private readonly budget = BUDGET,
  ) {}

  /** Starts a transfer of `total` bytes (when known): its buffers, from `take`, are at most that big. */
  transfer(total?: number): PooledTransfer {
    this.active++;
    const size = this.active > this.busy ? this.smallChunk : this.chunk;
    return new PooledTransfer(this, total !== undefined ? Math.max(1, Math.min(size, total)) : size);
  }

  /** A buffer of exactly `size` bytes (recycled when one is free), or none when `optional` and over the budget. */
  take(size: number, optional: boolean): Buffer | undefined {
    if (optional && this.lent + size > this.budget) return undefined;
    this.lent += size;
    return this.free.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
  }

  give(buf: Buffer): void {
    this.lent -= buf.length;
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

  /** Bytes the running transfers hold (for tests and diagnostics). */
  get lentBytes(): number {
    return this.lent;
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

  /** How many buffers this transfer holds. */
  get holding(): number {
    return this.held.size;
  }

  /**
   * A buffer: always when this transfer holds none, else only within the pool's budget. Undefined means: wait until
   * one of the buffers this transfer holds is free again (its write finished) and use that one.
   */
  take(): Buffer | undefined {
    const b = this.pool.take(this.size, this.held.size > 0);
    if (b) this.held.add(b);
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

/** One pool per process: it lends at most `BUDGET` bytes (or one buffer per transfer beyond it) and keeps `KEEP` × (1 MiB + 256 KiB). */
export const blobBuffers = new BufferPool();
