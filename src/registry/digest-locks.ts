import type { DigestMarks } from './digest-marks.js';

/**
 * Per-digest mutual exclusion between committing/linking a blob and garbage-collecting it, so GC cannot delete a file
 * that a concurrent push has just decided to reuse. Inside one process an in-memory queue per digest orders the two
 * (the fast path); across API nodes the shared database's digest marks do (DigestMarks).
 */
export class DigestLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly marks?: DigestMarks) {}

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

  /** Commit and/or link `digest`: no GC pass on any node deletes it meanwhile (then its link protects it). */
  link<T>(digest: string, fn: () => Promise<T>): Promise<T> {
    return this.with(digest, async () => {
      if (!this.marks) return fn();
      await this.marks.linking(digest);
      try {
        return await fn();
      } finally {
        await this.marks.linked(digest);
      }
    });
  }

  /** GC: runs `fn` (re-check links, delete) only when no node is linking the digest; false when skipped. */
  collect(digest: string, fn: () => Promise<void>): Promise<boolean> {
    return this.with(digest, async () => {
      if (this.marks && !(await this.marks.doom(digest))) return false;
      try {
        await fn();
      } finally {
        await this.marks?.release(digest);
      }
      return true;
    });
  }
}
