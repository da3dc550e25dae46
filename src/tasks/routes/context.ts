import type { FastifyRequest } from 'fastify';
import { DockyardError, type Clock } from '../../shared/index.js';
import { authorizeRequest, requireApiVersion, type Authorizer } from '../../http/index.js';
import type { TaskService, RegistryRef } from '../resources/task-service.js';
import type { TaskStore } from '../resources/task-store.js';
import type { RunStore } from '../runs/run-store.js';
import type { RunQueue } from '../runs/run-queue.js';
import type { RunLogs } from '../runs/run-log.js';
import type { Uploads } from '../runs/uploads.js';
import type { SourcePolicy } from '../runner/source-policy.js';

export interface RegistryLookup {
  find(sub: string, rg: string, name: string): Promise<(RegistryRef & { loginServer: string; sku?: string }) | null>;
}

export interface TaskRouteDeps {
  tasks: TaskService;
  taskStore: TaskStore;
  runs: RunStore;
  queue: RunQueue;
  /** Run logs (in the database: served by any node). */
  logs: RunLogs;
  uploads: Uploads;
  registries: RegistryLookup;
  authorizer: Authorizer;
  /** Public base URL of the API (for log links and upload URLs). */
  endpoint: () => string;
  /** Base URL of the blob host, when login servers are by name: upload and log URLs are then Blob SAS URLs there. */
  blobBase: () => string | undefined;
  /** Time source for log-link expiry. */
  clock: Clock;
  /** How long a log link stays valid (ms). */
  logLinkTtlMs: number;
  /** Which sources tasks and runs may use. */
  sourcePolicy: SourcePolicy;
}

export const TASK_API_VERSIONS = [
  '2025-03-01-preview',
  '2019-06-01-preview',
  '2019-04-01',
  '2018-09-01',
  '2025-04-01',
  '2023-07-01',
];

export type RegParams = { sub: string; rg: string; registry: string };
export const REG_BASE =
  '/subscriptions/:sub/resourcegroups/:rg/providers/Microsoft.ContainerRegistry/registries/:registry';

export async function registryFor(req: FastifyRequest<{ Params: RegParams }>, deps: TaskRouteDeps, action: string) {
  requireApiVersion(req, TASK_API_VERSIONS);
  const reg = await deps.registries.find(req.params.sub, req.params.rg, req.params.registry);
  if (!reg)
    throw new DockyardError(
      'ResourceNotFound',
      `The Resource 'Microsoft.ContainerRegistry/registries/${req.params.registry}' under resource group '${req.params.rg}' was not found.`,
    );
  const principal = await authorizeRequest(req, deps.authorizer, action, reg.id);
  return { reg, principal };
}

export function body(req: FastifyRequest): Record<string, unknown> {
  const b = req.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b))
    throw new DockyardError(
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized: expected a JSON object.',
    );
  return b as Record<string, unknown>;
}
