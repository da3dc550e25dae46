/**
 * Per-digest mutual exclusion inside one process: committing/linking a blob and garbage-collecting the same digest
 * never interleave, so GC cannot delete a file that a concurrent push has just decided to reuse.
 */
export class DigestLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async with<T>(digest: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(digest) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(fn);
    this.tails.set(digest, run);
    try {
      return await run;
    } finally {
      if (this.tails.get(digest) === run) this.tails.delete(digest);
    }
  }
}
