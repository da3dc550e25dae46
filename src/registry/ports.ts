import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../shared/index.js';

/** What the data plane needs to know about a registry (provided by the control plane through the app). */
export interface RegistryInfo {
  /** ARM resource id. */
  id: string;
  name: string;
  loginServer: string;
  adminUserEnabled: boolean;
  /** SKU name (Basic, Standard, Premium); usage limits depend on it. */
  sku?: string;
  /** The registry's retention policy for untagged manifests (GC applies it when enabled). */
  retentionPolicy?: { days: number; status: 'enabled' | 'disabled' };
}

/** Looks registries up; implemented by the app over the ARM `Registries` table. */
export interface RegistryDirectory {
  /** By registry name (case-insensitive). */
  byName(name: string): Promise<RegistryInfo | undefined>;
  /** For ARM routes: by subscription, resource group and name; throws ARM's ResourceNotFound when absent. */
  byArmPath(subscriptionId: string, resourceGroup: string, name: string): Promise<RegistryInfo>;
}

/** Data-plane action on a repository: `pull`, `push`, `delete`, `metadata_read`..., or `*` for the catalog. */
export type RegistryAction = string;

/**
 * Authentication and authorization the registry delegates to the app (identity/RBAC/network modules).
 * The registry admin user is handled inside the registry module and never reaches this port.
 */
export interface RegistryAccessPort {
  /** Username/password sign-in on /oauth2/token or data-plane Basic auth (service principals, local admin). */
  authenticateBasic(registry: RegistryInfo, username: string, password: string): Promise<Principal | null>;
  /** Verifies an AAD access token for /oauth2/exchange; throws (any error) on a bad token. */
  verifyAadToken(token: string, registry: RegistryInfo): Promise<Principal>;
  /** Which of `requested` the principal may do on a repository (or on the catalog: `'catalog'`). */
  grantedActions(
    principal: Principal,
    registry: RegistryInfo,
    repository: string | 'catalog',
    requested: RegistryAction[],
  ): Promise<RegistryAction[]>;
  /** Network rules (firewall); when absent every address is allowed. */
  checkNetwork?(
    registry: RegistryInfo,
    clientIp: string,
    principal: Principal | null,
  ): Promise<{ allowed: boolean; reason: string }>;
  /** The client address for network rules from the socket peer (and forwarding headers of trusted proxies only). */
  clientAddress?(peer: string | undefined, headers: IncomingHttpHeaders): string;
}

/**
 * Told about bytes moved through the data plane (the app wires it to metrics). Called on the request path: it must be
 * cheap and must not throw.
 */
export interface RegistryObserver {
  /** Bytes stored: a blob committed by an upload (mounts move no bytes) or a manifest put. */
  pushed(registry: string, kind: 'blob' | 'manifest', bytes: number): void;
  /** Bytes served by a GET of a blob (the range sent) or a manifest. */
  pulled(registry: string, kind: 'blob' | 'manifest', bytes: number): void;
}
