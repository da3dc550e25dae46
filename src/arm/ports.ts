/** Opens (and closes) the data-plane endpoint of a registry; returns its login server. Implemented by the app. */
export interface LoginServerAllocator {
  allocate(registryName: string, preferredPort?: number): Promise<{ loginServer: string; port: number }>;
  release(registryName: string): Promise<void>;
}

/** Creates and deletes the directory principal behind a managed identity. Implemented by the identity module. */
export interface IdentityPrincipals {
  tenantId(): Promise<string>;
  createManagedIdentity(input: {
    resourceId: string;
    displayName: string;
    kind: 'SystemAssigned' | 'UserAssigned';
  }): Promise<{ principalId: string; clientId: string; tenantId: string }>;
  deleteManagedIdentity(principalId: string): Promise<void>;
}

/** Called after a resource is deleted so dependants (role assignments, tasks, ...) are cleaned up. */
export type ResourceDeletedListener = (resourceId: string) => Promise<void>;
