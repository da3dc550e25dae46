import type { ServerResponse } from 'node:http';
import { blobBuffers, type BlobReader } from '../storage/index.js';

/**
 * Buffers per download: one is read from the file while the previous one is being written to the socket (one only when
 * the pool's budget is spent).
 */
const READ_DEPTH = 2;

/**
 * Sends bytes [start, end] of a blob (headers already written) from pooled buffers: a buffer is reused once the
 * socket took its bytes (the write callback), so a 2 GiB download allocates `READ_DEPTH` buffers instead of one per
 * chunk (whose allocation, page faults and garbage collection cost more than copying the bytes). Resolves true when
 * everything was sent, false when the client went away or `signal` aborted. A read error destroys the response (the
 * client sees a cut connection, never wrong bytes) and rejects.
 */
export async function sendBlobRange(
  reader: BlobReader,
  res: ServerResponse,
  start: number,
  end: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const transfer = blobBuffers.transfer(end - start + 1);
  const gone = new Promise<null>((resolve) => {
    if (res.destroyed) resolve(null);
    else res.once('close', () => resolve(null));
  });
  const pending: Promise<Buffer | null>[] = [];
  try {
    for (let pos = start; pos <= end; ) {
      // Over the pool's budget, `take` gives nothing while this download holds buffers: reuse one once it was sent.
      let buf: Buffer | null | undefined = pending.length < READ_DEPTH ? transfer.take() : undefined;
      if (!buf) buf = pending.length ? await Promise.race([pending.shift()!, gone]) : null;
      if (!buf || signal?.aborted || res.destroyed) {
        res.destroy();
        return false;
      }
      const n = await reader.read(buf, Math.min(buf.length, end - pos + 1), pos);
      if (n <= 0) throw new Error(`blob ${reader.info.digest} ended at ${pos} (expected ${end + 1} bytes)`);
      pos += n;
      const chunk = n === buf.length ? buf : buf.subarray(0, n);
      const b = buf;
      pending.push(new Promise((resolve) => res.write(chunk, (err) => resolve(err ? null : b))));
    }
    res.end();
    return true;
  } catch (err) {
    res.destroy();
    throw err;
  } finally {
    // A buffer goes back to the pool only when no write holds it: every write called back, or the socket closed.
    await Promise.race([Promise.all(pending), gone]);
    transfer.end();
  }
}
