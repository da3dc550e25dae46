import { createHash, type Hash } from 'node:crypto';

/** How long an upload counts as active after its last start/append (by any node sharing the store). */
export const UPLOAD_ACTIVE_WINDOW_MS = 15 * 60_000;

/** Uploads a process keeps a running hash for; the oldest are forgotten first (they are recomputed when needed). */
const MAX_ENTRIES = 10_000;

/** The sha256 of the first `size` bytes of an upload, as far as this process hashed it. */
export interface PrefixHash {
  hash: Hash;
  size: number;
}

/**
 * Running sha256 per upload, kept by the process that wrote the bytes. The bytes of an upload below its current size
 * never change (appends only add; a failed append is rolled back to where it started), so a hash of a prefix stays
 * valid: at commit the store hashes only the bytes after it (written by another node, or never hashed here).
 */
export class UploadHashes {
  private readonly entries = new Map<string, PrefixHash>();

  /** A private copy of the prefix hash of `id`, or a fresh hash of nothing when unknown or longer than `size`. */
  prefix(id: string, size: number): PrefixHash {
    const e = this.entries.get(id);
    if (!e || e.size > size) return { hash: createHash('sha256'), size: 0 };
    return { hash: e.hash.copy(), size: e.size };
  }

  /** Records the hash of the first `size` bytes (the caller owns `hash` from now on). */
  set(id: string, hash: Hash, size: number): void {
    this.entries.delete(id);
    this.entries.set(id, { hash, size });
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }
}
