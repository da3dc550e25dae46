import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: any;
  at: number;
}

/** A loopback HTTP server that records webhook POSTs and answers with `respond` (default 200). */
export async function startReceiver(
  respond: (n: number) => { status: number; delayMs?: number; body?: string } = () => ({ status: 200 }),
) {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: data ? JSON.parse(data) : undefined, at: Date.now() });
      const r = respond(got.length);
      setTimeout(() => {
        res.writeHead(r.status, { 'content-type': 'text/plain', 'x-receiver': 'yes' });
        res.end(r.body ?? `ok ${got.length}`);
      }, r.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    got,
    async waitFor(n: number, timeoutMs = 15_000): Promise<Received[]> {
      const end = Date.now() + timeoutMs;
      while (got.length < n) {
        if (Date.now() > end) throw new Error(`receiver got ${got.length} of ${n} requests`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return got;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
