export {
  createRegistryModule,
  DEFAULT_LIMITS,
  type RegistryModule,
  type RegistryModuleOptions,
} from './registry-module.js';
export { registryMigrations, type RegistryTables } from './tables.js';
export type { RegistryAccessPort, RegistryDirectory, RegistryInfo, RegistryAction, RegistryObserver } from './ports.js';
export { dataPlaneRoute } from './data-plane.js';
export {
  TokenService,
  TOKEN_ISSUER,
  ACCESS_TOKEN_SECONDS,
  REFRESH_TOKEN_SECONDS,
  accessCovers,
  type AccessEntry,
  type VerifiedToken,
} from './token-service.js';
export { isAdminOf, type AdminCredentials } from './admin-user.js';
export { isRepositoryName, validateRepositoryName } from './names.js';
export { MT as MEDIA_TYPES } from './media-types.js';
export type { GcResult } from './gc.js';
export { INCLUDED_STORAGE, type Usage } from './arm-routes.js';
export { DailyStats, utcDay, type DailyTraffic } from './daily-stats.js';
export { importImage, parseImageRef, type ImageRef, type ImportResult } from './import-image.js';
export { memoryKeyStore, type RegistryKeyStore } from './registry-keys.js';
export { GC_LEASE, type GcLeases } from './gc.js';
