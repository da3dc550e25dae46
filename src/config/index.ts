export { configSchema, defaultMaxConcurrentRuns, type DockyardConfig } from './schema.js';
export { loadConfig, type LoadOptions } from './load.js';
