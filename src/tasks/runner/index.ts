export { TaskRunner } from './task-runner.js';
export { loadTaskFileWithSpec } from './spec-loader.js';
export { NoEngineExecutor } from './no-engine-executor.js';
export type { RunnerDeps, RunnerRegistry, TaskFileLoader, DockerfileScanner } from './ports.js';
export { AAD_REGISTRY_RESOURCE, NULL_GUID_USER } from './ports.js';
export { exchangeAadToken, verifyLogin } from './registry-login.js';
export { scanWithAcbRules } from './scan-adapter.js';
