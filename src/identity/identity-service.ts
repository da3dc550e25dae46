import type { FastifyRequest } from 'fastify';
import { DockyardError, newGuid, secretsEqual, type Principal } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { Authenticator } from '../http/index.js';
import { Directory } from './directory.js';
import { ClientSecrets } from './client-secrets.js';
import type { SigningKeyRing } from './signing-keys.js';
import { TokenService, type IssueOptions, type IssuedToken } from './token-service.js';
import { WorkloadBindings, type WorkloadBindingInput } from './workload-bindings.js';
import { RESOURCES } from './audiences.js';
import { LOCAL_ADMIN_OBJECT_ID } from './local-admin.js';

export interface ManagedIdentityRef {
  principalId: string;
  clientId: string;
  tenantId: string;
}

/** Called when a principal is deleted (RBAC drops its role assignments, vaults their policies). */
export type PrincipalDeletedListener = (objectId: string) => Promise<void>;

/** The Entra-like identity service: principals, credentials, tokens, managed identities and workload bindings. */
export class IdentityService {
  readonly directory: Directory;
  readonly secrets: ClientSecrets;
  readonly keys: SigningKeyRing;
  readonly tokens: TokenService;
  readonly workloads = new WorkloadBindings();
  readonly onPrincipalDeleted: PrincipalDeletedListener[] = [];

  constructor(
    db: SqlDatabase,
    readonly tenantId: string,
    /** The shared signing key ring (SigningKeyRing.open). */
    keys: SigningKeyRing,
    private readonly admin: { principal: Principal; key: string },
    /** The API's base URL (issuer base, workload endpoint). */
    readonly baseUrl: () => string,
  ) {
    this.directory = new Directory(db);
    this.secrets = new ClientSecrets(db);
    this.keys = keys;
    this.tokens = new TokenService(this.keys, this.directory, tenantId, baseUrl);
  }

  // ---- principals and credentials -------------------------------------------------------------------------------

  /** A service principal with a client secret (`az ad sp create-for-rbac` output shape). */
  async createServicePrincipal(
    displayName: string,
  ): Promise<{ appId: string; objectId: string; displayName: string; password: string; tenant: string }> {
    const appId = newGuid();
    const p = await this.directory.createPrincipal({ type: 'ServicePrincipal', displayName, appId });
    const { secret } = await this.secrets.add(p.objectId);
    return { appId, objectId: p.objectId, displayName, password: secret, tenant: this.tenantId };
  }

  /** Client credentials: a service principal's appId + secret, or the local admin's object id + admin key. */
  async authenticateClient(clientId: string, secret: string): Promise<Principal | null> {
    if (clientId.toLowerCase() === LOCAL_ADMIN_OBJECT_ID)
      return secretsEqual(secret, this.admin.key) ? this.admin.principal : null;
    const p = await this.directory.getByAppId(clientId);
    if (!p || p.type !== 'ServicePrincipal') return null;
    return (await this.secrets.check(p.objectId, secret)) ? p : null;
  }

  async deletePrincipal(objectId: string): Promise<void> {
    await this.directory.deletePrincipal(objectId);
    await this.secrets.deleteFor(objectId);
    this.workloads.dropPrincipal(objectId);
    for (const l of this.onPrincipalDeleted) await l(objectId.toLowerCase());
  }

  // ---- tokens --------------------------------------------------------------------------------------------------

  /** In-process issuance for the task runner / import (the caller vouches for the workload). */
  async issueTokenForPrincipal(
    principalObjectId: string,
    resource: string,
    opts: IssueOptions = {},
  ): Promise<IssuedToken> {
    const p = await this.directory.getByObjectId(principalObjectId);
    if (!p) throw new DockyardError('identity_not_found', `Identity '${principalObjectId}' not found.`);
    return this.tokens.issue(p, resource, opts);
  }

  verifyAccessToken(token: string, expectedAudiences: readonly string[]): Promise<Principal> {
    return this.tokens.verifyAccessToken(token, expectedAudiences);
  }

  /** `Authorization: Bearer <JWT>` with the management audience, for ARM routes. Invalid tokens are a 401. */
  // `/metrics` takes its own scrape token as a bearer (and verifies AAD tokens itself), so a scrape token is no 401 here.
  bearerAuthenticator(
    skipPrefixes: string[] = ['/keyvault/', '/msi/', '/metadata/', '/graph/', '/metrics'],
  ): Authenticator {
    return async (request: FastifyRequest) => {
      const h = request.headers.authorization;
      if (!h || !/^bearer /i.test(h)) return null;
      if (skipPrefixes.some((p) => request.url.startsWith(p))) return null;
      return this.verifyAccessToken(h.slice(7).trim(), [RESOURCES.management]);
    };
  }

  // ---- managed identities --------------------------------------------------------------------------------------

  async createManagedIdentity(input: {
    resourceId: string;
    displayName: string;
    kind: 'SystemAssigned' | 'UserAssigned';
  }): Promise<ManagedIdentityRef> {
    const clientId = newGuid();
    const p = await this.directory.createPrincipal({
      type: 'ManagedIdentity',
      displayName: input.displayName,
      appId: clientId,
      identityKind: input.kind,
      resourceId: input.resourceId,
    });
    return { principalId: p.objectId, clientId, tenantId: this.tenantId };
  }

  /** A system-assigned identity lives as long as its resource (a task...). Idempotent per resource. */
  async createSystemAssignedIdentity(resourceId: string, displayName?: string): Promise<ManagedIdentityRef> {
    const existing = await this.directory.getByResourceId(resourceId);
    if (existing) return { principalId: existing.objectId, clientId: existing.appId!, tenantId: this.tenantId };
    return this.createManagedIdentity({
      resourceId,
      displayName: displayName ?? resourceId.split('/').pop()!,
      kind: 'SystemAssigned',
    });
  }

  async deleteSystemAssignedIdentity(resourceId: string): Promise<void> {
    const p = await this.directory.getByResourceId(resourceId);
    if (p && p.identityKind === 'SystemAssigned') await this.deletePrincipal(p.objectId);
  }

  /** ArmDeps.onResourceDeleted listener: system identities of the resource (or below it) go with it. */
  async resourceDeleted(resourceId: string): Promise<void> {
    for (const p of await this.directory.systemAssignedAtOrBelow(resourceId)) await this.deletePrincipal(p.objectId);
  }

  /** Finds a managed identity by client id, object id or resource id. */
  async findManagedIdentity(selector: {
    clientId?: string;
    objectId?: string;
    resourceId?: string;
  }): Promise<Principal | null> {
    let p: Principal | null = null;
    if (selector.clientId) p = await this.directory.getByAppId(selector.clientId);
    else if (selector.objectId) p = await this.directory.getByObjectId(selector.objectId);
    else if (selector.resourceId) p = await this.directory.getByResourceId(selector.resourceId);
    return p && p.type === 'ManagedIdentity' ? p : null;
  }

  // ---- workloads -----------------------------------------------------------------------------------------------

  createWorkloadBinding(input: WorkloadBindingInput): { secret: string } {
    return { secret: this.workloads.create(input).secret };
  }

  revokeWorkloadBinding(secret: string): void {
    this.workloads.revoke(secret);
  }

  /** The environment a workload needs to reach the managed-identity endpoint (App Service + IMDS conventions). */
  workloadEnvironment(secret: string, baseUrl = this.baseUrl()): Record<string, string> {
    const endpoint = `${baseUrl}/msi/token`;
    return { IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: secret, MSI_ENDPOINT: endpoint, MSI_SECRET: secret };
  }
}
