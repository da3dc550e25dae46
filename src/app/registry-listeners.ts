import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/index.js';
import type { LoginServerAllocator } from '../arm/index.js';

/** Serves one registry's data plane. Chosen by the composition root (the registry module provides it). */
export type DataPlaneHandler = (registryName: string, req: IncomingMessage, res: ServerResponse) => void;

/**
 * Each registry gets its own loopback listener, so its login server is `127.0.0.1:<port>`: a distinct host for
 * docker/podman/skopeo credential stores, a token `service`/audience of its own, and no /etc/hosts edits.
 * See docs/designs/login-servers.md.
 */
export class RegistryListeners implements LoginServerAllocator {
  private readonly servers = new Map<string, Server>();
  private handler: DataPlaneHandler = (_name, _req, res) => {
    res.statusCode = 503;
    res.end();
  };

  constructor(
    private readonly host: string,
    private readonly portBase: number,
    private readonly log: Logger,
  ) {}

  setHandler(handler: DataPlaneHandler): void {
    this.handler = handler;
  }

  async allocate(registryName: string, preferredPort?: number): Promise<{ loginServer: string; port: number }> {
    const key = registryName.toLowerCase();
    await this.release(key);
    const candidates: number[] = [];
    if (preferredPort) candidates.push(preferredPort);
    if (this.portBase > 0) for (let p = this.portBase; p < this.portBase + 200; p++) candidates.push(p);
    candidates.push(0);
    for (const port of candidates) {
      const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.handler(key, req, res));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, this.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') continue;
        throw err;
      }
      const actual = (server.address() as AddressInfo).port;
      if (preferredPort && actual !== preferredPort)
        this.log.warn(
          { registry: registryName, preferredPort, port: actual },
          'registry port was taken; login server changed',
        );
      this.servers.set(key, server);
      return { loginServer: `${this.host === '0.0.0.0' ? '127.0.0.1' : this.host}:${actual}`, port: actual };
    }
    throw new Error('no free port for registry listener');
  }

  /** True when this process serves the registry (it may have been created on another API node). */
  has(registryName: string): boolean {
    return this.servers.has(registryName.toLowerCase());
  }

  async release(registryName: string): Promise<void> {
    const key = registryName.toLowerCase();
    const server = this.servers.get(key);
    if (!server) return;
    this.servers.delete(key);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.servers.keys()]) await this.release(name);
  }
}
