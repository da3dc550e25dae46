export * from './errors/index.js';
export * from './ids.js';
export * from './clock.js';
export * from './digest.js';
export * from './logger.js';
export * from './principal.js';
export * from './resource-id.js';
export { DockerIgnore, packBuildContext, type BuildContext } from './build-context.js';
