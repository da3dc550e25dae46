import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through stream that hashes (sha256) and counts what flows through it; read `hex()` and `size` at the end. */
export function hashingTap(): { stream: Transform; hex: () => string; readonly size: number } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return {
    stream,
    hex: () => hash.digest('hex'),
    get size() {
      return size;
    },
  };
}
