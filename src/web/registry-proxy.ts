import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { DockyardError } from '../shared/index.js';

export const REGISTRY_PROXY_PREFIX = '/dashboard/registry/';

/** Finds a registry's login server (`127.0.0.1:<port>`) by name; null when there is none. */
export type LoginServerLookup = (registryName: string) => Promise<string | null>;

/** The `[name, value]` header telling the registry listener the browser's address (from its socket and headers). */
export type ClientRelay = (peer: string | undefined, headers: IncomingHttpHeaders) => [string, string];

const FORWARDED_REQUEST = ['accept', 'content-type', 'content-length'];
const FORWARDED_RESPONSE = [
  'content-type',
  'content-length',
  'docker-content-digest',
  'www-authenticate',
  'link',
  'docker-distribution-api-version',
  'cache-control',
];
const ALLOWED_PATH = /^\/(v2\/|acr\/v1\/|oauth2\/(exchange|token)$)/;
/** The deletes the dashboard offers: a tag (`acr/v1/<repo>/_tags/<tag>`) and a manifest (`v2/<repo>/manifests/<digest>`). */
const DELETABLE = /^\/(acr\/v1\/.+\/_tags\/[^/]+|v2\/.+\/manifests\/sha256:[a-f0-9]{64})$/;

export function isLoopback(ip: string | undefined): boolean {
  if (!ip) return false;
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/**
 * Same-origin pass-through from the dashboard to a registry's own listener (`/dashboard/registry/<name>/<path>`),
 * because the browser may not call another origin. It adds no credential: the page runs the registry's own token
 * flow (`/oauth2/exchange` with its AAD token, then `/oauth2/token`), and sends the registry access token in
 * `x-registry-authorization` (the API's own authenticator owns `Authorization`). Only loopback clients are served.
 * The proxy connects from the server's own address, so it relays the browser's address in a header only the server
 * can sign (`relay`): the registry's network rules (public access, default action, IP rules) judge the browser exactly
 * as on a direct call. Reads, token calls, and tag/manifest deletes (the registry token's `delete` scope decides).
 */
export function registerRegistryProxy(app: FastifyInstance, lookup: LoginServerLookup, relay: ClientRelay): void {
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    scope.route({
      method: ['GET', 'HEAD', 'POST', 'DELETE'],
      url: `${REGISTRY_PROXY_PREFIX}*`,
      handler: async (req, reply) => {
        if (!isLoopback(req.socket.remoteAddress)) throw new DockyardError('DashboardProxyForbidden');
        const raw = req.url.slice(REGISTRY_PROXY_PREFIX.length);
        const slash = raw.indexOf('/');
        const name = decodeURIComponent(slash < 0 ? raw : raw.slice(0, slash));
        const path = slash < 0 ? '/' : raw.slice(slash);
        const pathOnly = path.split('?')[0];
        if (
          !ALLOWED_PATH.test(pathOnly) ||
          (req.method === 'POST' && !pathOnly.startsWith('/oauth2/')) ||
          (req.method === 'DELETE' && !DELETABLE.test(pathOnly))
        ) {
          throw new DockyardError(
            'InvalidParameter',
            `The dashboard proxy does not forward ${req.method} ${pathOnly}.`,
          );
        }
        const server = await lookup(name);
        if (!server) throw new DockyardError('ResourceNotFound', `The registry '${name}' was not found.`);
        const headers: Record<string, string> = {};
        for (const h of FORWARDED_REQUEST) {
          const v = req.headers[h];
          if (typeof v === 'string') headers[h] = v;
        }
        const auth = req.headers['x-registry-authorization'];
        if (typeof auth === 'string') headers.authorization = auth;
        const [relayName, relayValue] = relay(req.socket.remoteAddress, req.headers);
        headers[relayName] = relayValue;
        const [host, port] = server.split(':');
        return new Promise((resolve, reject) => {
          const out = httpRequest({ host, port: Number(port), method: req.method, path, headers }, (res) => {
            void reply.status(res.statusCode ?? 502);
            for (const h of FORWARDED_RESPONSE) {
              const v = res.headers[h];
              if (v !== undefined) void reply.header(h, v);
            }
            resolve(reply.send(res));
          });
          out.on('error', reject);
          if (req.method === 'POST') req.raw.pipe(out);
          else out.end();
        });
      },
    });
  });
}
