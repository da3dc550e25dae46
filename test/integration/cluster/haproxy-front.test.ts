import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, get, type Server } from 'node:http';
import { createServer } from 'node:net';
import { haproxyConfig, startHaproxy } from '../../helpers/haproxy.js';

function namedServer(host: string, name: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createHttpServer((_req, res) => res.end(name)).listen(0, host, () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, host, () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** One HTTP request on a new connection (no keep-alive: each request is a new connection the balancer places). */
function ask(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host, port, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
      let out = '';
      res.on('data', (d) => (out += d));
      res.on('end', () => resolve(out));
      res.on('error', reject);
    }).on('error', reject);
  });
}

test('haproxy front door (TCP mode) spreads connections over both nodes and skips a dead one', async () => {
  const a = await namedServer('127.0.0.2', 'node-a');
  const b = await namedServer('127.0.0.3', 'node-b');
  const port = await freePort('127.0.0.1');
  const cfg = haproxyConfig([
    {
      name: 'api',
      listen: { host: '127.0.0.1', port },
      backends: [
        { host: '127.0.0.2', port: a.port },
        { host: '127.0.0.3', port: b.port },
      ],
    },
  ]);
  assert.match(cfg, /mode tcp/);
  const lb = await startHaproxy([
    {
      name: 'api',
      listen: { host: '127.0.0.1', port },
      backends: [
        { host: '127.0.0.2', port: a.port },
        { host: '127.0.0.3', port: b.port },
      ],
    },
  ]);
  try {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await ask('127.0.0.1', port));
    assert.deepEqual([...seen].sort(), ['node-a', 'node-b']);
    // One node goes away: after the health check marks it down, every connection lands on the other.
    a.server.closeAllConnections();
    await new Promise<void>((r) => a.server.close(() => r()));
    await new Promise((r) => setTimeout(r, 1500));
    const after: string[] = [];
    for (let i = 0; i < 4; i++) after.push(await ask('127.0.0.1', port).catch(() => 'refused'));
    assert.deepEqual(after, ['node-b', 'node-b', 'node-b', 'node-b']);
  } finally {
    await lb.stop();
    b.server.close();
  }
});
