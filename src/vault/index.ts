export {
  VaultService,
  SECRET_PERMISSIONS,
  validateVaultName,
  type VaultAuthorizer,
  type SecretOp,
  type SecretInput,
} from './vault-service.js';
export { vaultMigrations, type AccessPolicy, type VaultRow } from './tables.js';
export {
  configureVaultDns,
  resolveSecretReference,
  vaultUri,
  secretId,
  VAULT_DNS_SUFFIX,
  type SecretReference,
} from './references.js';
export { registerVaultArmRoutes, VAULT_API_VERSIONS, type VaultArmPort } from './arm-routes.js';
export { registerVaultDataRoutes, type VaultDataPort } from './data-routes.js';
export { vaultShape } from './shapes.js';
