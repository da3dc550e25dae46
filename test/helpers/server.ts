import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type DockyardConfig } from '../../src/config/index.js';
import { startServer, type Running } from '../../src/app/index.js';
import { databaseFor } from './database.js';

export interface TestServer extends Running {
  dataDir: string;
  /** Authorization header value of the local administrator. */
  adminAuth: string;
  sub: string;
  /** fetch against the API with admin auth unless headers.authorization is given. */
  api(
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ status: number; json: any; text: string; headers: Headers }>;
  cleanup(): Promise<void>;
}

/** Starts a real server on port 0 with a fresh temp data dir. */
export async function startTestServer(
  overrides: Partial<DockyardConfig> = {},
  dataDir?: string,
  options: Parameters<typeof startServer>[1] = {},
): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'dockyard-test-'));
  // The PostgreSQL pass (DOCKYARD_TEST_DATABASE=postgres): one database per data dir, kept across restarts.
  const database = overrides.database ?? (await databaseFor(dir));
  const config = loadConfig({
    env: {},
    flags: { dataDir: dir, port: 0, registryPortBase: 0, logLevel: 'silent', engine: 'none', database, ...overrides },
  });
  const running = await startServer(config, options);
  const adminAuth = `DockyardKey ${running.platform.admin.key}`;
  const ts: TestServer = {
    ...running,
    dataDir: dir,
    adminAuth,
    sub: running.platform.subscriptionId,
    async api(path, init = {}) {
      const headers: Record<string, string> = { authorization: adminAuth, ...(init.headers ?? {}) };
      let body: string | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${running.endpoint}${path}`, { method: init.method ?? 'GET', headers, body });
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, headers: res.headers };
    },
    async cleanup() {
      await running.stop();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return ts;
}
