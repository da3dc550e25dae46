import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import type { DockyardConfig } from '../config/index.js';
import { parseResourceId, secretsEqual, type Logger, type Principal, type SecretCipher } from '../shared/index.js';
import type { MigrationSet, SqlDatabase } from '../storage/index.js';
import type { Authenticator, Authorizer } from '../http/index.js';
import {
  clientSecretMigrations,
  IdentityService,
  LOCAL_ADMIN_OBJECT_ID,
  RESOURCES,
  registerMsiRoutes,
  registerOidcRoutes,
  registerPrincipalRoutes,
  registerGraphRoutes,
  SigningKeyRing,
} from '../identity/index.js';
import type { SharedKeys } from '../cluster/index.js';
import { join } from 'node:path';
import { authorize, Rbac, rbacMigrations, registerRbacRoutes, type RbacDirectoryPort } from '../rbac/index.js';
import type { IdentityPrincipals, ResourceDeletedListener, ResourceGroups, Subscriptions } from '../arm/index.js';
import type { RegistryAccessPort } from '../registry/index.js';
import { registerVaultArmRoutes, registerVaultDataRoutes, VaultService, vaultMigrations } from '../vault/index.js';

/** Migrations of the identity and RBAC modules (run with the others in platform.ts). */
export const identityMigrationSets: MigrationSet[] = [clientSecretMigrations, rbacMigrations, vaultMigrations];

export interface IdentityWiring {
  identity: IdentityService;
  rbac: Rbac;
  /** Key Vault: `vault.getSecretAs(principal, url)` for the task runner. */
  vault: VaultService;
  authorizer: Authorizer;
  principals: IdentityPrincipals;
  authenticators: Authenticator[];
  onResourceDeleted: ResourceDeletedListener[];
  /** Registers the identity, MSI and Microsoft.Authorization routes (after the ARM routes). */
  register(deps: { subscriptions: Subscriptions; groups: ResourceGroups }): Promise<void>;
}

/** Builds identity + RBAC: tokens checked everywhere, the local admin as Owner of the subscription. */
export async function wireIdentity(p: {
  db: SqlDatabase;
  config: DockyardConfig;
  tenantId: string;
  subscriptionId: string;
  admin: { principal: Principal; key: string };
  api: FastifyInstance;
  log: Logger;
  /** The master key and the shared keys sealed with it (signing keys live there). */
  cipher: SecretCipher;
  keys: SharedKeys;
}): Promise<IdentityWiring> {
  const baseUrl = (): string => {
    const addr = p.api.server.address() as AddressInfo | null;
    return `http://${p.config.host}:${addr && typeof addr === 'object' ? addr.port : p.config.port}`;
  };
  const ring = await SigningKeyRing.open(p.keys, join(p.config.dataDir, 'signing-keys.json'));
  const identity = new IdentityService(p.db, p.tenantId, ring, p.admin, baseUrl);
  const rbac = new Rbac(p.db);
  await rbac.ensureAssignment(`/subscriptions/${p.subscriptionId}`, 'Owner', p.admin.principal.objectId, 'User');
  const vault = new VaultService(p.db, p.config.dataDir, p.tenantId, rbac, () => identity.tokens.issuer(), p.cipher);
  identity.onPrincipalDeleted.push(async (objectId) => {
    await rbac.assignments.deleteForPrincipal(objectId);
    await vault.principalDeleted(objectId);
  });

  const principals: IdentityPrincipals = {
    tenantId: async () => p.tenantId,
    createManagedIdentity: (input) => identity.createManagedIdentity(input),
    deleteManagedIdentity: (principalId) => identity.deletePrincipal(principalId),
  };

  const onResourceDeleted: ResourceDeletedListener[] = [
    async (resourceId) => {
      await identity.resourceDeleted(resourceId);
      await vault.resourceDeleted(resourceId);
      const n = await rbac.assignments.deleteAtOrBelow(resourceId);
      if (n) p.log.info({ resourceId, removed: n }, 'role assignments of a deleted resource removed');
    },
  ];

  return {
    identity,
    rbac,
    vault,
    authorizer: rbac,
    principals,
    authenticators: [identity.bearerAuthenticator()],
    onResourceDeleted,
    async register(deps) {
      const port: RbacDirectoryPort = {
        async principalType(objectId) {
          const pr = await identity.directory.getByObjectId(objectId);
          if (!pr) return null;
          return pr.type === 'User' ? 'User' : 'ServicePrincipal';
        },
        async checkScope(scope) {
          if (scope === '/') return;
          const parsed = parseResourceId(scope)!;
          const sub = await deps.subscriptions.get(parsed.subscriptionId);
          if (parsed.resourceGroup) await deps.groups.get(sub.subscription_id, parsed.resourceGroup);
        },
      };
      await p.api.register(registerOidcRoutes(identity));
      await p.api.register(registerMsiRoutes(identity));
      await p.api.register(registerRbacRoutes(rbac, port));
      await p.api.register(
        registerVaultArmRoutes(vault, {
          authorizer: rbac,
          subscription: async (sub) => (await deps.subscriptions.get(sub)).subscription_id,
          group: (sub, rg) => deps.groups.get(sub, rg),
          onDeleted: async (id) => {
            for (const l of onResourceDeleted) await l(id);
          },
        }),
      );
      await p.api.register(
        registerVaultDataRoutes(vault, {
          async authenticate(request) {
            const h = request.headers.authorization;
            if (h && /^bearer /i.test(h)) return identity.verifyAccessToken(h.slice(7).trim(), [RESOURCES.vault]);
            return request.principal;
          },
          challenge: () => `Bearer authorization="${baseUrl()}/${p.tenantId}", resource="${RESOURCES.vault}"`,
        }),
      );
      await p.api.register(registerGraphRoutes(identity));
      await p.api.register(registerPrincipalRoutes(identity, rbac, `/subscriptions/${p.subscriptionId}`));
    },
  };
}

const ACR = 'Microsoft.ContainerRegistry/registries';
/** Registry data-plane actions -> the RBAC action (legacy roles) and data action (ABAC repository roles) that grant them. */
const REGISTRY_PERMISSIONS: Record<string, { action: string; dataAction: string }> = {
  pull: { action: `${ACR}/pull/read`, dataAction: `${ACR}/repositories/content/read` },
  metadata_read: { action: `${ACR}/pull/read`, dataAction: `${ACR}/repositories/metadata/read` },
  push: { action: `${ACR}/push/write`, dataAction: `${ACR}/repositories/content/write` },
  metadata_write: { action: `${ACR}/push/write`, dataAction: `${ACR}/repositories/metadata/write` },
  delete: { action: `${ACR}/artifacts/delete`, dataAction: `${ACR}/repositories/content/delete` },
};

/**
 * The registry's access port backed by identity + RBAC: service principals (appId + secret) and the local admin
 * sign in with Basic credentials; AAD tokens (ARM or ACR audience, acr-reference.md §5.3) are exchanged; a token only
 * carries the actions the principal holds on that registry (§6.1: catalog needs catalog/read or pull/read).
 */
export function registryAccess(
  wiring: Pick<IdentityWiring, 'identity' | 'rbac'>,
  admin: { principal: Principal; key: string },
): RegistryAccessPort {
  const { identity, rbac } = wiring;
  return {
    async authenticateBasic(_registry, username, password) {
      if (username.toLowerCase() === LOCAL_ADMIN_OBJECT_ID)
        return secretsEqual(password, admin.key) ? admin.principal : null;
      return identity.authenticateClient(username, password);
    },
    verifyAadToken(token) {
      return identity.verifyAccessToken(token, [RESOURCES.management, RESOURCES.containerRegistry]);
    },
    async grantedActions(principal, registry, _repository, requested) {
      if (principal.type === 'RegistryAdmin' || principal.type === 'RegistryToken') return [];
      const mine = await rbac.assignments.forPrincipal(principal.objectId);
      const can = (action: string, kind: 'action' | 'dataAction') =>
        authorize(mine, rbac.definitions, principal.objectId, action, registry.id, kind);
      if (_repository === 'catalog') {
        return can(`${ACR}/catalog/read`, 'dataAction') ||
          can(`${ACR}/catalog/read`, 'action') ||
          can(`${ACR}/pull/read`, 'action')
          ? requested
          : [];
      }
      return requested.filter((a) => {
        const p = REGISTRY_PERMISSIONS[a];
        return p !== undefined && (can(p.action, 'action') || can(p.dataAction, 'dataAction'));
      });
    },
  };
}
