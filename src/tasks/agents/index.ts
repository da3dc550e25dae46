export { PoolStore, poolShape, POOL_NAME_RE, type PoolRow } from './pool-store.js';
export { registerPoolRoutes, PREMIUM_ONLY } from './pool-routes.js';
export { registerAgentRoutes, AGENT_BASE, type RunServices } from './agent-routes.js';
export { LeaseReaper } from './lease-reaper.js';
