export { createTaskModule, type TaskModule, type TaskModuleDeps } from './module.js';
export type { RunStats } from './runs/run-stats.js';
export { taskMigrations, type TaskTables } from './resources/tables.js';
export type { TaskIdentityPort, RegistryRef } from './resources/task-service.js';
export type { RegistryLookup } from './routes/context.js';
export type { RunExecutor, RunContext, RunOutcome, RunFinishedListener, RunStartedListener } from './runs/run-queue.js';
export type { RunRecord, RunRequest, RunStatus, RunResult, RunTrigger, OutputImage } from './runs/model.js';
export type { Task, TaskProperties, TaskIdentity, SetValue } from './resources/model.js';
export { acbTimestamp, goDuration, RunLogWriter } from './runs/run-log.js';
export {
  NoEngineExecutor,
  TaskRunner,
  loadTaskFileWithSpec,
  scanWithAcbRules,
  exchangeAadToken,
  AAD_REGISTRY_RESOURCE,
  NULL_GUID_USER,
  type RunnerDeps,
  type RunnerRegistry,
  type DockerfileScanner,
} from './runner/index.js';
export { startEngineWithLibrary } from './library/index.js';
export type { ContainerEngine } from './engine/index.js';
export {
  TriggerService,
  triggerMigrations,
  validateSchedule,
  Schedule,
  type TriggerServiceOptions,
} from './triggers/index.js';
export { PoolStore, AGENT_BASE, type RunServices, type PoolRow } from './agents/index.js';
export { checkSourceLocation, type SourcePolicy } from './runner/source-policy.js';
export { BLOB_ACCOUNT, type BlobHandler } from './blob/blob-host.js';
