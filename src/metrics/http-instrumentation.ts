import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { DockyardMetrics } from './dockyard-metrics.js';

/** Label of requests no route matched (404s, scanners): one series, whatever the path. */
export const UNMATCHED_ROUTE = '<unmatched>';

/**
 * Counts every response of a fastify instance under its route template (`routeOptions.url`, e.g.
 * `/subscriptions/:subscriptionId/...`), never the raw URL. Install before routes are registered.
 */
export function instrumentFastify(app: FastifyInstance, metrics: DockyardMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpRequest(
      'api',
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}

type NodeHandler<A extends unknown[]> = (...args: [...A, IncomingMessage, ServerResponse]) => void;

/**
 * Wraps a registry listener's handler `(registryName, req, res)`: counts each response under `routeOf(req.url)` (a
 * bounded template) and tracks blob upload requests in flight. Costs one route match and one `close` listener.
 */
export function instrumentRegistryHandler(
  handler: NodeHandler<[string]>,
  metrics: DockyardMetrics,
  routeOf: (url: string | undefined) => string,
): NodeHandler<[string]> {
  return (registryName: string, req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const route = routeOf(req.url);
    const upload =
      route.startsWith('/v2/<name>/blobs/uploads/') &&
      (req.method === 'POST' || req.method === 'PATCH' || req.method === 'PUT');
    if (upload) metrics.uploadStarted();
    res.once('close', () => {
      if (upload) metrics.uploadEnded();
      metrics.httpRequest('registry', route, req.method, res.statusCode, (performance.now() - started) / 1000);
    });
    handler(registryName, req, res);
  };
}
