/**
 * Who is calling. Produced by the identity module from a verified token or credential and passed to every
 * other module, which never looks inside a token itself.
 */
export type PrincipalType = 'User' | 'ServicePrincipal' | 'ManagedIdentity' | 'RegistryAdmin' | 'RegistryToken';

export interface Principal {
  /** Object id (principalId) used in role assignments and vault policies. */
  objectId: string;
  tenantId: string;
  type: PrincipalType;
  displayName: string;
  /** Application (client) id, for service principals and managed identities. */
  appId?: string;
  /** For managed identities: which kind. Only system-assigned identities may bypass network rules. */
  identityKind?: 'SystemAssigned' | 'UserAssigned';
  /** For a system-assigned identity: the resource it belongs to (e.g. a task id). */
  ownerResourceId?: string;
  /** Set when the token was issued to a trusted Dockyard service acting with this identity (task runs, import). */
  trustedService?: 'tasks' | 'import';
  /** For the registry admin user: the registry it is admin of (full data-plane access there only). */
  adminOfRegistryId?: string;
  /** For a registry token (tokens and scope maps): the token's ARM id (data-plane access to its registry only). */
  registryTokenId?: string;
}
