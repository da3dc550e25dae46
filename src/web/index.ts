import type { FastifyInstance } from 'fastify';
import { errorHandlerFor, type Authorizer } from '../http/index.js';
import { registerStaticFiles } from './static-files.js';
import { registerRegistryProxy, type ClientRelay, type LoginServerLookup } from './registry-proxy.js';
import { registerAggregatesRoute, type AggregateSources } from './aggregates-route.js';
import { registerPermissionsRoute, registerVaultPermissionsRoute, type VaultAccess } from './permissions-route.js';

export { DASHBOARD_CSP, DASHBOARD_DIST, DASHBOARD_PREFIX, resolveStatic } from './static-files.js';
export { REGISTRY_PROXY_PREFIX, isLoopback, type ClientRelay, type LoginServerLookup } from './registry-proxy.js';
export { DASHBOARD_ACTIONS, type VaultAccess } from './permissions-route.js';
export type { AggregateSources, DayActivity, RunAggregates } from './aggregates-route.js';

export interface DashboardDeps {
  authorizer: Authorizer;
  loginServerOf: LoginServerLookup;
  /** The header that tells a registry listener which browser the proxy relays for (its network rules judge that address). */
  relayClient: ClientRelay;
  /** The caller's secret operations on a vault (the dashboard hides what Key Vault would refuse). */
  vaultAccess?: VaultAccess;
  /** The charts' data (`/dockyard/v1/aggregates`). */
  aggregates?: AggregateSources;
  /** The built app's folder (defaults to src/web/dist). */
  root?: string;
}

/** The web dashboard: static files under /dashboard/, the permissions query and the same-origin registry proxy. */
export function dashboardPlugin(deps: DashboardDeps) {
  return async function dashboard(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('arm'));
    registerStaticFiles(app, deps.root);
    registerPermissionsRoute(app, deps.authorizer);
    if (deps.vaultAccess) registerVaultPermissionsRoute(app, deps.vaultAccess);
    if (deps.aggregates) registerAggregatesRoute(app, deps.authorizer, deps.aggregates);
    registerRegistryProxy(app, deps.loginServerOf, deps.relayClient);
  };
}
