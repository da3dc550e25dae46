export { buildPlatform, type Platform } from './platform.js';
export { startServer, type Running } from './serve.js';
export { RegistryListeners, type DataPlaneHandler } from './registry-listeners.js';
export { wireRegistry, registryOf, interimRegistryAccess } from './wire-registry.js';
