/** How long a data-plane read is reused: the same window as the registry row (`Registries.current`). */
export const READ_CACHE_TTL_MS = 500;

interface Entry<V> {
  value: V;
  /** When the read that produced it started. */
  at: number;
  /** The registry's generation when that read started: a write since then makes the entry invalid. */
  gen: number;
  bytes: number;
}

export interface ReadCacheOptions<V> {
  ttlMs?: number;
  maxEntries?: number;
  maxBytes?: number;
  /** A bigger value is returned but not kept. */
  maxEntryBytes?: number;
  /** Bytes an entry holds (for `maxBytes`); 0 by default. */
  sizeOf?: (value: V) => number;
  now?: () => number;
}

/**
 * Hot data-plane reads (blob links, manifests, lock rows) reused for at most `ttlMs`, per registry. Every write of the
 * registry's metadata on this node calls `invalidate(registry)` once it has committed, which invalidates every entry
 * of that registry at once (a generation counter, O(1)); a read that was running while the write happened stores an
 * entry of the old generation, never used. Other API nodes' writes are seen within `ttlMs`. Only hits are kept (a
 * miss is read again), bounded by entries and bytes, oldest out first.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly gens = new Map<string, number>();
  private counter = 0;
  /** The generation `invalidateAll` set: every registry's generation is at least this. */
  private allGen = 0;
  private bytes = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxEntryBytes: number;
  private readonly sizeOf: (value: V) => number;
  private readonly now: () => number;

  constructor(o: ReadCacheOptions<V> = {}) {
    this.ttlMs = o.ttlMs ?? READ_CACHE_TTL_MS;
    this.maxEntries = o.maxEntries ?? 10_000;
    this.maxBytes = o.maxBytes ?? Number.POSITIVE_INFINITY;
    this.maxEntryBytes = Math.min(o.maxEntryBytes ?? this.maxBytes, this.maxBytes);
    this.sizeOf = o.sizeOf ?? (() => 0);
    this.now = o.now ?? Date.now;
  }

  /** The cached value of `key` in `registry`, or `load()`'s (kept when defined and no write happened meanwhile). */
  async get(registry: string, key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    registry = registry.toLowerCase();
    const k = `${registry}\n${key}`;
    const gen = this.genOf(registry);
    const now = this.now();
    const hit = this.entries.get(k);
    if (hit) {
      if (hit.gen === gen && now - hit.at < this.ttlMs) return hit.value;
      this.remove(k, hit);
    }
    const value = await load();
    if (value !== undefined && gen === this.genOf(registry)) this.put(k, { value, at: now, gen, bytes: 0 });
    return value;
  }

  /** Every entry of `registry` read before now is stale (call after a write of its metadata has committed). */
  invalidate(registry: string): void {
    this.gens.set(registry.toLowerCase(), ++this.counter);
  }

  /** Every entry of every registry is stale. */
  invalidateAll(): void {
    this.allGen = ++this.counter;
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  private genOf(registry: string): number {
    return Math.max(this.gens.get(registry) ?? 0, this.allGen);
  }

  private put(k: string, e: Entry<V>): void {
    e.bytes = this.sizeOf(e.value);
    if (e.bytes > this.maxEntryBytes) return;
    const old = this.entries.get(k);
    if (old) this.remove(k, old);
    this.entries.set(k, e);
    this.bytes += e.bytes;
    for (const [key, v] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.remove(key, v);
    }
  }

  private remove(k: string, e: Entry<V>): void {
    this.entries.delete(k);
    this.bytes -= e.bytes;
  }
}
