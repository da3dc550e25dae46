import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../shared/index.js';
import type { LoginServerAllocator } from '../arm/index.js';
import type { DataPlaneHandler } from './registry-listeners.js';

export interface NamedFrontOptions {
  suffix: string;
  host: string;
  port: number;
  log: Logger;
  /** Called with every registry name after one is added or removed (hosts entries, trust stores). */
  onNamesChanged?: (registries: string[]) => Promise<void>;
}

/**
 * Login servers by name (docs/designs/login-servers.md): one https listener answers for every registry as
 * `<name>.<suffix>[:port]`, for Key Vault as `<vault>.vault.<suffix>` and for everything else (ARM, identity, Graph,
 * the dashboard) as the API. Requests are routed by their Host header; a token's `service`/audience is the login
 * server, so a token for one registry is refused by every other.
 */
export class NamedLoginServers implements LoginServerAllocator {
  private handler: DataPlaneHandler = (_name, _req, res) => {
    res.statusCode = 503;
    res.end();
  };
  private api: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  private blob: (account: string, req: IncomingMessage, res: ServerResponse) => void = (_a, _req, res) => {
    res.statusCode = 503;
    res.end();
  };
  private server?: Server;
  private readonly names = new Set<string>();
  port: number;

  constructor(private readonly o: NamedFrontOptions) {
    this.port = o.port;
  }

  setHandler(handler: DataPlaneHandler): void {
    this.handler = handler;
  }

  /** The blob host (`<account>.blob.<suffix>`): build-source uploads and run logs by SAS. */
  setBlobHandler(blob: (account: string, req: IncomingMessage, res: ServerResponse) => void): void {
    this.blob = blob;
  }

  /** `https://<account>.blob.<suffix>[:port]`, the base of upload and log URLs. */
  blobBase(account: string): string {
    return `https://${account}.blob.${this.o.suffix}${this.port === 443 ? '' : `:${this.port}`}`;
  }

  setApi(api: (req: IncomingMessage, res: ServerResponse) => void): void {
    this.api = api;
  }

  /** Opens the shared https listener (before registries are allocated, so their login servers know the port). */
  async listen(tls: { cert: string; key: string }): Promise<void> {
    const server = createServer({ cert: tls.cert, key: tls.key, keepAliveTimeout: 65_000 }, (req, res) =>
      this.route(req, res),
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Replaces the certificate (renewal) without dropping the listener. */
  setCertificate(tls: { cert: string; key: string }): void {
    this.server?.setSecureContext({ cert: tls.cert, key: tls.key });
  }

  get endpoint(): string {
    return `https://${this.o.host === '0.0.0.0' ? '127.0.0.1' : this.o.host}:${this.port}`;
  }

  loginServerOf(registryName: string): string {
    return `${registryName.toLowerCase()}.${this.o.suffix}${this.port === 443 ? '' : `:${this.port}`}`;
  }

  async allocate(registryName: string): Promise<{ loginServer: string; port: number }> {
    this.names.add(registryName.toLowerCase());
    await this.o.onNamesChanged?.([...this.names]);
    return { loginServer: this.loginServerOf(registryName), port: this.port };
  }

  /** True when this process answers for the registry (it may have been created on another API node). */
  has(registryName: string): boolean {
    return this.names.has(registryName.toLowerCase());
  }

  async release(registryName: string): Promise<void> {
    if (!this.names.delete(registryName.toLowerCase())) return;
    await this.o.onNamesChanged?.([...this.names]);
  }

  async closeAll(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    const suffix = `.${this.o.suffix}`;
    if (host.endsWith(suffix)) {
      const label = host.slice(0, -suffix.length);
      const vault = /^([a-z0-9-]{3,24})\.vault$/.exec(label);
      if (vault) {
        // Key Vault's REST paths (`/secrets/<name>...`) live under `/keyvault/<vault>` on the API.
        req.url = `/keyvault/${vault[1]}${req.url ?? '/'}`;
        return this.api(req, res);
      }
      const blob = /^([a-z0-9]{3,24})\.blob$/.exec(label);
      if (blob) return this.blob(blob[1], req, res);
      if (this.names.has(label)) return this.handler(label, req, res);
      if (/^[a-z0-9]+$/.test(label)) {
        // A registry name that does not exist (yet): the registry's own 404, not the API's.
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            errors: [{ code: 'NAME_UNKNOWN', message: `registry '${label}' not found`, detail: null }],
          }),
        );
        return;
      }
    }
    this.api(req, res);
  }
}
