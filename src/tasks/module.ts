import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import type { Logger } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import { errorHandlerFor, type Authorizer } from '../http/index.js';
import { TaskStore } from './resources/task-store.js';
import { TaskService, type TaskIdentityPort } from './resources/task-service.js';
import { RunStore } from './runs/run-store.js';
import { RunLogs } from './runs/run-log.js';
import { RunQueue, type RunExecutor } from './runs/run-queue.js';
import { RunScheduler } from './runs/run-scheduler.js';
import { Uploads } from './runs/uploads.js';
import { registerTaskRoutes } from './routes/task-routes.js';
import { registerLogAndUploadRoutes, registerRunRoutes } from './routes/run-routes.js';
import type { RegistryLookup, TaskRouteDeps } from './routes/context.js';
import { taskFileRoutes } from './spec/index.js';
import type { SourcePolicy } from './runner/source-policy.js';

export interface TaskModuleDeps {
  db: SqlDatabase;
  dataDir: string;
  log: Logger;
  authorizer: Authorizer;
  registries: RegistryLookup;
  identities: TaskIdentityPort;
  executor: RunExecutor;
  endpoint: () => string;
  concurrency?: number;
  /** Which sources tasks and runs may use (docs/designs/security-model.md). */
  sourcePolicy?: SourcePolicy;
}

export interface TaskModule {
  taskStore: TaskStore;
  tasks: TaskService;
  runs: RunStore;
  logs: RunLogs;
  queue: RunQueue;
  scheduler: RunScheduler;
  uploads: Uploads;
  plugin: (app: FastifyInstance) => Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Tasks, runs, logs and the run queue, as one unit the composition root wires. */
export function createTaskModule(deps: TaskModuleDeps): TaskModule {
  const taskStore = new TaskStore(deps.db);
  const sourcePolicy: SourcePolicy = deps.sourcePolicy ?? { dataDir: deps.dataDir, allowedLocalContextRoots: [] };
  const tasks = new TaskService(taskStore, deps.identities, sourcePolicy);
  const runs = new RunStore(deps.db);
  const logs = new RunLogs(join(deps.dataDir, 'runs'));
  const uploads = new Uploads(join(deps.dataDir, 'uploads'));
  const queue = new RunQueue(runs, logs, deps.executor, deps.log.child({ module: 'runs' }), deps.concurrency ?? 2);
  const scheduler = new RunScheduler(runs, queue);
  const routeDeps: TaskRouteDeps = { tasks, taskStore, runs, queue, logs, uploads, registries: deps.registries, authorizer: deps.authorizer, endpoint: deps.endpoint, sourcePolicy };
  return {
    taskStore,
    tasks,
    runs,
    logs,
    queue,
    scheduler,
    uploads,
    async plugin(app: FastifyInstance) {
      app.setErrorHandler(errorHandlerFor('arm'));
      app.addContentTypeParser(['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/x-tar'], (_req, _payload, done) => done(null));
      registerTaskRoutes(app, routeDeps);
      registerRunRoutes(app, routeDeps, scheduler);
      registerLogAndUploadRoutes(app, routeDeps);
      await app.register(taskFileRoutes);
    },
    start: () => queue.start(),
    stop: () => queue.stop(),
  };
}
