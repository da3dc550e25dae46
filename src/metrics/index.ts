export { DockyardMetrics, type Plane, type StateSources } from './dockyard-metrics.js';
export { instrumentFastify, instrumentRegistryHandler, UNMATCHED_ROUTE } from './http-instrumentation.js';
export {
  registerScrapeRoute,
  isLoopbackAddress,
  isLoopbackRequest,
  tokenMatches,
  METRICS_PATH,
  type MetricsMode,
  type ScrapeRouteOptions,
} from './scrape-route.js';
