import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface HttpTextResponse {
  status: number;
  ok: boolean;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One HTTP(S) request with a text body, on node:http (fetch's undici costs ~40 ms of CLI start-up to load).
 * Connection errors reject with node's own message (e.g. `connect ECONNREFUSED 127.0.0.1:6400`).
 */
export async function httpText(
  url: URL,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpTextResponse> {
  const request = url.protocol === 'https:' ? (await import('node:https')).request : httpRequest;
  return new Promise((resolve, reject) => {
    const headers = { ...(init.headers ?? {}) };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const req = request(url, { method: init.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({
          status,
          ok: status >= 200 && status < 300,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
