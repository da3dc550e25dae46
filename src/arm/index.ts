export { armMigrations, type ArmTables } from './tables.js';
export { Subscriptions } from './subscriptions.js';
export { ResourceGroups, type GroupRow } from './resource-groups.js';
export {
  Registries,
  isIpOrCidr,
  MAX_IP_RULES,
  retentionOf,
  DEFAULT_RETENTION,
  type RetentionPolicy,
  type RegistryRow,
  type RegistryCreate,
  type RegistryPatch,
} from './registries.js';
export { UserAssignedIdentities, type IdentityRow } from './identities.js';
export { registryShape, identityShape, groupShape, type NetworkRuleSet } from './shapes.js';
export type { LoginServerAllocator, IdentityPrincipals, ResourceDeletedListener } from './ports.js';
export { registerArmRoutes } from './routes/index.js';
export { API_VERSIONS, type ArmDeps, type ResourceLister } from './routes/context.js';
