import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { ResolvedTarget } from './target-policy.js';

export interface PostResult {
  statusCode: number;
  reasonPhrase: string;
  headers: Record<string, string>;
  /** The response body, cut at the cap. */
  content: string;
  version: string;
}

export interface PostLimits {
  /** Whole exchange (connect + response), milliseconds. */
  timeoutMs: number;
  /** Bytes of response body kept; the rest is read and dropped. */
  maxBody: number;
}

const flat = (h: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(h)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
  );

/** POSTs `body` to the checked target, connecting only to its pinned address; never follows redirects. */
export function postJson(
  target: ResolvedTarget,
  headers: Record<string, string>,
  body: string,
  limits: PostLimits,
): Promise<PostResult> {
  const pinned: LookupFunction = (_host, options, cb) => {
    if ((options as { all?: boolean }).all)
      (cb as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    else cb(null, target.address, target.family);
  };
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target.url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept >= limits.maxBody) return;
          const part = c.subarray(0, limits.maxBody - kept);
          chunks.push(part);
          kept += part.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            statusCode: res.statusCode ?? 0,
            reasonPhrase: res.statusMessage ?? '',
            headers: flat(res.headers),
            content: Buffer.concat(chunks).toString('utf8'),
            version: res.httpVersion,
          });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`no complete response within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
