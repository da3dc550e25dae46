import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorHandlerFor } from '../http/index.js';
import { DockyardError, type Principal } from '../shared/index.js';
import type { DockyardMetrics } from './dockyard-metrics.js';

/** `off`: no /metrics. `loopback`: loopback peers need no credentials, others do. `on`: everyone needs credentials. */
export type MetricsMode = 'off' | 'loopback' | 'on';

export const METRICS_PATH = '/metrics';

export interface ScrapeRouteOptions {
  mode: MetricsMode;
  metrics: DockyardMetrics;
  /** A scrape bearer token (config `metricsToken`), compared in constant time. */
  token?: string;
  /** Whether an authenticated principal holds the admin role. */
  isAdmin(principal: Principal): Promise<boolean>;
  /** Verifies a bearer token that is not the scrape token (an AAD access token); throws when invalid. */
  verifyBearer?(token: string): Promise<Principal>;
}

/**
 * A loopback peer: 127.0.0.0/8 or ::1 (also IPv4-mapped). A request that carries forwarding headers came through a
 * proxy on this machine on behalf of someone else, so it is not treated as local.
 */
export function isLoopbackRequest(
  request: Pick<FastifyRequest, 'headers'> & { raw: { socket: { remoteAddress?: string } } },
): boolean {
  if (
    request.headers['x-forwarded-for'] !== undefined ||
    request.headers.forwarded !== undefined ||
    request.headers['x-real-ip'] !== undefined
  )
    return false;
  return isLoopbackAddress(request.raw.socket.remoteAddress);
}

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Constant-time comparison (hashing first makes the lengths equal, so the length is not leaked either). */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Registers `GET /metrics` on the API instance (nothing when the mode is `off`). */
export async function registerScrapeRoute(app: FastifyInstance, o: ScrapeRouteOptions): Promise<void> {
  if (o.mode === 'off') return;
  await app.register(async (scoped) => {
    scoped.setErrorHandler(errorHandlerFor('arm'));
    scoped.get(METRICS_PATH, async (request, reply) => {
      await admit(request, o);
      const { contentType, body } = await o.metrics.render();
      void reply.header('content-type', contentType).header('cache-control', 'no-store');
      return body;
    });
  });
}

async function admit(request: FastifyRequest, o: ScrapeRouteOptions): Promise<void> {
  if (o.mode === 'loopback' && isLoopbackRequest(request)) return;
  const h = request.headers.authorization;
  const bearer = h && /^bearer /i.test(h) ? h.slice(7).trim() : undefined;
  if (bearer && o.token && tokenMatches(bearer, o.token)) return;
  let principal = request.principal;
  if (!principal && bearer && o.verifyBearer) principal = await o.verifyBearer(bearer).catch(() => null);
  if (!principal) {
    throw new DockyardError(
      h ? 'InvalidAuthenticationToken' : 'AuthenticationFailed',
      h
        ? 'The scrape token or access token is invalid.'
        : "Scraping /metrics from here needs the metrics token or an administrator's credentials in the 'Authorization' header.",
      {
        headers: { 'www-authenticate': 'Bearer realm="dockyard-metrics"' },
      },
    );
  }
  if (!(await o.isAdmin(principal))) {
    throw new DockyardError(
      'AuthorizationFailed',
      `The client '${principal.displayName}' with object id '${principal.objectId}' may not read metrics: that needs the administrator role (Owner or User Access Administrator on the subscription) or the metrics token.`,
    );
  }
}
