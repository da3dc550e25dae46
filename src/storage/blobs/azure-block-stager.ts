import { randomBytes, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { BlockBlobClient } from '@azure/storage-blob';
import { LengthMismatchError, UploadTooLargeError } from './blob-store.js';

/** Bytes per staged block: requests stay few and memory bounded (at most MAX_IN_FLIGHT + 1 blocks per append). */
export const BLOCK_SIZE = 8 * 1024 * 1024;
const MAX_IN_FLIGHT = 2;

/** Block ids of one blob must all have the same length: 24 random bytes, base64 (32 characters). */
export const newBlockId = (): string => randomBytes(24).toString('base64');

export interface StageOptions {
  /** Size of the upload before this append (for `maxSize`). */
  before: number;
  expectedLength?: number;
  maxSize?: number;
  /** Updated with every byte when this process holds the hash of everything before. */
  hash?: Hash;
  /** Called between chunks (keeps the upload's "recently touched" mark fresh during a long append). */
  tick?: () => Promise<void>;
}

/**
 * Reads `data` into blocks of BLOCK_SIZE and stages them on `blob` (uncommitted: invisible until the caller commits
 * the block list), at most MAX_IN_FLIGHT at once. Checks the length limits before staging any byte past them.
 */
export async function stageBlocks(
  blob: BlockBlobClient,
  data: Readable,
  o: StageOptions,
): Promise<{ blockIds: string[]; written: number }> {
  const blockIds: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  let parts: Buffer[] = [];
  let fill = 0;
  let written = 0;
  const flush = async () => {
    if (fill === 0) return;
    const block = parts.length === 1 ? parts[0] : Buffer.concat(parts, fill);
    parts = [];
    fill = 0;
    const id = newBlockId();
    blockIds.push(id);
    const p: Promise<void> = blob.stageBlock(id, block, block.length).then(
      () => void inFlight.delete(p),
      (err: unknown) => {
        inFlight.delete(p);
        failure ??= { err };
      },
    );
    inFlight.add(p);
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    if (failure) throw failure.err;
  };
  for await (const c of data) {
    let chunk = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
    written += chunk.length;
    if (o.maxSize !== undefined && o.before + written > o.maxSize) throw new UploadTooLargeError(o.maxSize);
    if (o.expectedLength !== undefined && written > o.expectedLength)
      throw new LengthMismatchError(o.expectedLength, written);
    o.hash?.update(chunk);
    while (chunk.length) {
      const n = Math.min(chunk.length, BLOCK_SIZE - fill);
      parts.push(chunk.subarray(0, n));
      fill += n;
      chunk = chunk.subarray(n);
      if (fill === BLOCK_SIZE) await flush();
    }
    if (o.tick) await o.tick();
  }
  if (o.expectedLength !== undefined && written !== o.expectedLength)
    throw new LengthMismatchError(o.expectedLength, written);
  await flush();
  await Promise.all(inFlight);
  if (failure) throw failure.err;
  return { blockIds, written };
}
