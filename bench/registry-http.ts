// The registry benches' own HTTP client (Node's `http`): one request at a time, a body from a buffer or streamed from
// a writer, the first KBs of the response kept; and a monolithic blob push with it.
import { createHash } from 'node:crypto';
import { request } from 'node:http';

export interface HttpResult {
  status: number;
  headers: Record<string, unknown>;
  /** The first 2,000 characters of the body. */
  body: string;
  bytes: number;
}

export function http(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body?: Buffer | ((w: (b: Buffer) => Promise<void>) => Promise<void>),
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (chunks.length < 4) chunks.push(c);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8', 0, 2000),
          bytes,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (typeof body === 'function') {
      body((b) => new Promise<void>((r) => (req.write(b) ? r() : req.once('drain', () => r())))).then(
        () => req.end(),
        reject,
      );
    } else req.end(body);
  });
}

/** A blob: bytes, or `chunk` repeated `count` times (streamed, never held whole) with its precomputed digest. */
export type BlobData = Buffer | { chunk: Buffer; count: number; digest: string };

/**
 * Monolithic push (POST, then a streamed PUT ?digest=) to `host`, with `authorization` when the registry needs one.
 * Returns the digest; throws (naming `label`) on an unexpected status.
 */
export async function pushBlob(
  host: string,
  repo: string,
  data: BlobData,
  authorization?: string,
  label = host,
): Promise<string> {
  const h: Record<string, string> = authorization ? { authorization } : {};
  const post = await http('POST', new URL(`http://${host}/v2/${repo}/blobs/uploads/`), {
    ...h,
    'content-length': '0',
  });
  if (post.status !== 202) throw new Error(`${label} POST ${post.status} ${post.body}`);
  const loc = new URL(String(post.headers.location), `http://${host}`);
  const digest = Buffer.isBuffer(data) ? `sha256:${createHash('sha256').update(data).digest('hex')}` : data.digest;
  loc.searchParams.set('digest', digest);
  const size = Buffer.isBuffer(data) ? data.length : data.chunk.length * data.count;
  const body = Buffer.isBuffer(data)
    ? data
    : async (write: (b: Buffer) => Promise<void>) => {
        for (let i = 0; i < data.count; i++) await write(data.chunk);
      };
  const headers = { ...h, 'content-type': 'application/octet-stream', 'content-length': String(size) };
  const put = await http('PUT', loc, headers, body);
  if (put.status !== 201) throw new Error(`${label} PUT ${put.status} ${put.body}`);
  return digest;
}
