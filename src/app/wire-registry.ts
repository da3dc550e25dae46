import { DockyardError, secretsEqual, type Clock, type Principal } from '../shared/index.js';
import { LOCAL_ADMIN_OBJECT_ID } from '../identity/index.js';
import { API_VERSIONS, retentionOf, type RegistryRow, type ResourceDeletedListener } from '../arm/index.js';
import type { Authorizer } from '../http/index.js';
import {
  createRegistryModule,
  type RegistryAccessPort,
  type RegistryDirectory,
  type RegistryInfo,
  type RegistryModule,
} from '../registry/index.js';
import type { Platform } from './platform.js';
import { webhookLimit } from '../webhooks/index.js';
import { instrumentRegistryHandler } from '../metrics/index.js';
import { dataPlaneRoute } from '../registry/index.js';

const info = (r: RegistryRow): RegistryInfo => {
  const { days, status } = retentionOf(r);
  return {
    id: r.id,
    name: r.name,
    loginServer: r.login_server,
    adminUserEnabled: r.admin_user_enabled === 1,
    sku: r.sku,
    retentionPolicy: { days, status },
  };
};

/**
 * Interim data-plane access: the local admin (Basic `<localAdminObjectId>:<admin key>`) may do everything; nobody
 * else gets any action. The identity module replaces `access` (AAD tokens, service principals, RBAC) by passing its
 * own port here; the network module adds `checkNetwork`. The registry admin user is handled inside the registry module.
 */
export function interimRegistryAccess(platform: Pick<Platform, 'admin'>): RegistryAccessPort {
  return {
    async authenticateBasic(_registry, username, password): Promise<Principal | null> {
      if (username.toLowerCase() !== LOCAL_ADMIN_OBJECT_ID) return null;
      return secretsEqual(password, platform.admin.key) ? platform.admin.principal : null;
    },
    async verifyAadToken(): Promise<Principal> {
      throw new Error('AAD tokens are not accepted until the identity module is wired');
    },
    async grantedActions(principal, _registry, _repository, requested) {
      return principal.objectId === LOCAL_ADMIN_OBJECT_ID ? requested : [];
    },
  };
}

const modules = new WeakMap<Platform, RegistryModule>();

/** The registry module wired into a platform (tests use it to run GC or read metadata). */
export function registryOf(platform: Platform): RegistryModule | undefined {
  return modules.get(platform);
}

/** Wires the registry data plane onto every registry listener, and its ARM actions onto the API. */
export async function wireRegistry(
  platform: Platform,
  authorizer: Authorizer,
  access: RegistryAccessPort = interimRegistryAccess(platform),
  onResourceDeleted?: ResourceDeletedListener[],
  clock?: Clock,
): Promise<RegistryModule> {
  // One RegistryInfo per row object: `current` hands out the same row until it is re-read (≤ 500 ms or a write).
  const infos = new WeakMap<RegistryRow, RegistryInfo>();
  const directory: RegistryDirectory = {
    async byName(name) {
      const r = await platform.registries.current(name);
      if (!r) return undefined;
      let i = infos.get(r);
      if (!i) infos.set(r, (i = info(r)));
      return i;
    },
    async byArmPath(sub, rg, name) {
      const r = await platform.registries.find(sub, rg, name);
      if (!r)
        throw new DockyardError(
          'ResourceNotFound',
          `The Resource 'Microsoft.ContainerRegistry/registries/${name}' under resource group '${rg}' was not found.`,
        );
      return info(r);
    },
  };
  const registry = await createRegistryModule({
    db: platform.db,
    dataDir: platform.config.dataDir,
    blobs: platform.blobs,
    keys: platform.cluster.keys,
    leases: platform.cluster.leases,
    digestMarks: platform.cluster.shared,
    gcIntervalMs: platform.config.gcIntervalSeconds * 1000,
    tenantId: platform.tenantId,
    directory,
    access,
    log: platform.log,
    gcGraceSeconds: platform.config.gcGraceSeconds,
    clock,
    observer: platform.metrics,
  });
  const { metrics } = platform;
  platform.listeners.setHandler(
    metrics ? instrumentRegistryHandler(registry.handler, metrics, dataPlaneRoute) : registry.handler,
  );
  // Webhooks are counted here; the registry module adds its own scope maps and tokens (docs/designs/webhooks-retention.md).
  const extraUsages = async (reg: RegistryInfo) => [
    {
      name: 'Webhooks',
      limit: webhookLimit(reg.sku ?? 'Basic'),
      currentValue: await platform.webhooks.store.count(reg.name),
      unit: 'Count' as const,
    },
  ];
  await platform.api.register(registry.armRoutes(authorizer, API_VERSIONS.registries, extraUsages));
  platform.onClose.push(() => registry.close());
  // A deleted registry's repositories, tags and links go with it (its blobs are then collected by GC).
  onResourceDeleted?.push(async (resourceId) => {
    if (/\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i.test(resourceId))
      await registry.purgeRegistry(resourceId);
  });
  modules.set(platform, registry);
  return registry;
}
