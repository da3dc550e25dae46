import type { FileHandle } from 'node:fs/promises';
import { finished, Readable } from 'node:stream';
import { blobBuffers } from './buffer-pool.js';

/**
 * Writes in flight per upload while the next buffer fills (so at most WRITE_DEPTH + 1 buffers per upload; fewer when
 * the pool's budget is spent).
 */
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
  /** Copies a chunk into buffers; returns a promise only when it has to wait for a buffer (a write to finish). */
  const copy = (chunk: Buffer, from: number): Promise<void> | undefined => {
    for (let at = from; at < chunk.length; ) {
      if (failure) throw failure;
      if (!buf && inflight.length < WRITE_DEPTH) buf = transfer.take();
      if (!buf) {
        // Over the pool's budget, `take` gives nothing while this upload holds buffers: wait for one of its writes.
        const write = inflight.shift();
        if (!write) throw failure ?? new Error('no upload buffer');
        return write.then(() => copy(chunk, at));
      }
      const n = chunk.copy(buf, fill, at);
      fill += n;
      at += n;
      if (fill === buf.length) submit();
    }
    return undefined;
  };
  const accept = (c: unknown) => {
    const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c as Uint8Array);
    onChunk(chunk);
    return copy(chunk, 0);
  };
  try {
    if (data instanceof Readable) await eachChunk(data, accept);
    else for await (const c of data) await accept(c);
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

/**
 * Feeds a stream's chunks to `accept` as they arrive ('data' events), paused while `accept`'s promise is pending.
 * Unlike `for await`, whose `read()` joins the chunks buffered meanwhile into a new buffer (a copy of each upload
 * chunk, garbage until V8 collects it: tens of MiB with many uploads), no chunk is copied or kept.
 */
function eachChunk(stream: Readable, accept: (chunk: unknown) => Promise<void> | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let waiting: Promise<void> | undefined;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      stream.off('data', onData);
      stopWatching();
      stream.destroy(); // as `for await` did: a request cut short by a limit or a failed write closes its connection
      reject(err);
    };
    const onData = (chunk: unknown) => {
      try {
        const wait = accept(chunk);
        if (!wait) return;
        stream.pause();
        waiting = wait.then(() => {
          waiting = undefined;
          if (!failed) stream.resume();
        }, fail);
      } catch (err) {
        fail(err);
      }
    };
    const stopWatching = finished(stream, (err) => {
      if (err) fail(err);
      else void Promise.resolve(waiting).then(() => failed || resolve());
    });
    stream.on('data', onData);
  });
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
    const buf = transfer.take() ?? Buffer.allocUnsafe(transfer.size); // a transfer's first buffer is never refused
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
