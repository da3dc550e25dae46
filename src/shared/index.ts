export * from './errors/index.js';
export * from './ids.js';
export * from './clock.js';
export * from './digest.js';
export * from './logger.js';
export * from './principal.js';
export * from './resource-id.js';
export { DockerIgnore, packBuildContext, type BuildContext } from './build-context.js';
export { registryBaseUrl, registryScheme } from './login-server.js';
export { trustLocalCa } from './https-trust.js';
export {
  DATA_DIR_PLACEHOLDER,
  MASK,
  MIN_MASKED_LENGTH,
  SecretSet,
  knownSecrets,
  maskDeep,
  maskSecrets,
  registerDataDir,
  scrubDataDirs,
} from './masking.js';
export { SEALED_PREFIX, SecretCipher, dataKeyFile, isSealed } from './secret-cipher.js';
export { hardenDataDir, PRIVATE_UMASK } from './data-dir-permissions.js';
export { hashingTap } from './hashing-tap.js';
