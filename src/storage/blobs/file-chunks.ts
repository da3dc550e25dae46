import type { FileHandle } from 'node:fs/promises';
import { blobBuffers } from './buffer-pool.js';

/** Writes in flight per upload while the next buffer fills (so at most WRITE_DEPTH + 1 buffers per upload). */
const WRITE_DEPTH = 2;

/**
 * Appends a stream to an open file from `position`, through pooled buffers. Each incoming chunk first goes to
 * `onChunk` (limits, hashing; it may throw), then is copied into a buffer; a full buffer is written at its offset
 * while the next fills, at most `WRITE_DEPTH` writes in flight: the socket keeps being read while the disk writes,
 * writes are big (fewer thread-pool round trips than one per 64 KiB socket chunk), and the memory of an upload is a
 * few buffers whatever its size. `expected` (when known) sizes the buffers of small uploads.
 * Returns the bytes appended. On failure it waits for the writes in flight, then throws: the caller truncates.
 */
export async function appendStream(
  fh: FileHandle,
  position: number,
  data: AsyncIterable<unknown>,
  onChunk: (chunk: Buffer) => void,
  expected?: number,
): Promise<number> {
  const transfer = blobBuffers.transfer(expected);
  const inflight: Promise<void>[] = [];
  let failure: unknown;
  let buf: Buffer | undefined;
  let fill = 0;
  let offset = position;
  const submit = () => {
    if (!buf || fill === 0) return;
    const b = buf;
    const p = writeFully(fh, b, fill, offset).then(
      () => transfer.give(b),
      (err: unknown) => {
        failure ??= err;
      },
    );
    offset += fill;
    inflight.push(p);
    buf = undefined;
    fill = 0;
  };
  try {
    for await (const c of data) {
      const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
      onChunk(chunk);
      let at = 0;
      while (at < chunk.length) {
        if (!buf) {
          while (inflight.length >= WRITE_DEPTH) await inflight.shift();
          if (failure) throw failure;
          buf = transfer.take();
        }
        const n = chunk.copy(buf, fill, at);
        fill += n;
        at += n;
        if (fill === buf.length) submit();
      }
    }
    submit();
    await Promise.all(inflight);
    if (failure) throw failure;
    return offset - position;
  } finally {
    // Nothing may still write from a buffer when it goes back to the pool.
    await Promise.all(inflight);
    transfer.end();
  }
}

async function writeFully(fh: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await fh.write(buf, done, length - done, position + done);
    if (bytesWritten <= 0) throw new Error('short write');
    done += bytesWritten;
  }
}

/** Feeds bytes [from, to) of an open file to `onChunk`, read into pooled buffers (the chunk is valid only during the call). */
export async function readChunks(
  fh: FileHandle,
  from: number,
  to: number,
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  if (to <= from) return;
  const transfer = blobBuffers.transfer(to - from);
  try {
    const buf = transfer.take();
    for (let pos = from; pos < to; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, to - pos), pos);
      if (bytesRead <= 0) throw new Error(`unexpected end of file at ${pos}`);
      onChunk(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    transfer.end();
  }
}
