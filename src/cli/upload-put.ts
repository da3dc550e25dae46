import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const CHUNK = 64 * 1024;

/**
 * PUTs a body in 64 KiB writes, reporting the bytes the socket has taken after each (`onSent`), so a progress bar
 * follows the upload rather than the packing. Bounded: the answer is read up to 64 KiB, 10 minutes at most.
 */
export function putWithProgress(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  onSent: (bytes: number) => void,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      { method: 'PUT', headers: { ...headers, 'content-length': String(body.length) }, timeout: 600_000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < CHUNK) text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('the upload timed out')));
    let sent = 0;
    const next = () => {
      while (sent < body.length) {
        const end = Math.min(body.length, sent + CHUNK);
        const ok = req.write(body.subarray(sent, end));
        sent = end;
        onSent(sent);
        if (!ok) {
          req.once('drain', next);
          return;
        }
      }
      req.end();
    };
    next();
  });
}
