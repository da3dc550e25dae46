import type { FastifyInstance } from 'fastify';
import type { DockyardConfig } from '../config/index.js';
import type { Authorizer } from '../http/index.js';
import { DockyardMetrics, instrumentFastify, registerScrapeRoute } from '../metrics/index.js';
import type { Principal } from '../shared/index.js';
import type { RunRecord, RunTrigger, TaskModule } from '../tasks/index.js';
import type { RegistryModule } from '../registry/index.js';

/** Token endpoints on both planes: a 2xx answer is a token issued, anything else a failure. */
export const TOKEN_ROUTES = [
  '/oauth2/token',
  '/oauth2/exchange',
  '/:tenant/oauth2/v2.0/token',
  '/:tenant/oauth2/token',
  '/msi/token',
  '/metadata/identity/oauth2/token',
];

/** The action only the subscription's administrators (Owner, User Access Administrator) hold. */
const ADMIN_ACTION = 'Microsoft.Authorization/roleAssignments/write';

const seconds = (from: string | null | undefined, to: number): number | null => {
  const t = from ? Date.parse(from) : NaN;
  return Number.isNaN(t) ? null : (to - t) / 1000;
};

/** Creates the metrics and instruments the API (before any route is registered); undefined when `metrics` is `off`. */
export function createMetrics(config: DockyardConfig, api: FastifyInstance): DockyardMetrics | undefined {
  if (config.metrics === 'off') return undefined;
  const metrics = new DockyardMetrics({ tokenRoutes: TOKEN_ROUTES });
  instrumentFastify(api, metrics);
  return metrics;
}

/** When a trigger's event happened, if it is known (a commit's push time is not: the poll only sees the commit). */
export function triggerEventTime(trigger: RunTrigger): string | undefined {
  if (trigger.kind === 'Timer') return trigger.timerTrigger?.scheduleOccurrence;
  if (trigger.kind === 'Image Update') return trigger.imageUpdateTrigger?.timestamp;
  return undefined;
}

/** The trigger service's hook: counts the run and the lag from its event. */
export function onTriggerQueued(
  metrics: DockyardMetrics | undefined,
): ((trigger: RunTrigger, run: RunRecord) => void) | undefined {
  if (!metrics) return undefined;
  return (trigger, run) =>
    metrics.triggerFired(trigger.kind, seconds(triggerEventTime(trigger), Date.parse(run.createTime)));
}

/** Connects the task and registry modules' hooks to the metrics, and serves /metrics on the API. */
export async function wireMetrics(p: {
  metrics: DockyardMetrics | undefined;
  config: DockyardConfig;
  api: FastifyInstance;
  tasks: TaskModule;
  registry: RegistryModule;
  authorizer: Authorizer;
  subscriptionId: string;
  verifyBearer(token: string): Promise<Principal>;
}): Promise<void> {
  const { metrics } = p;
  if (!metrics) return;
  p.tasks.queue.started.push((run) => metrics.runStarted(seconds(run.createTime, Date.now()) ?? 0));
  p.tasks.queue.finished.push((run, status) =>
    metrics.runFinished(
      status,
      run.runType,
      run.request.trigger.kind,
      seconds(run.startTime ?? run.createTime, Date.now()) ?? 0,
    ),
  );
  p.registry.gc.completed.push((r) => metrics.gcCompleted(r));
  metrics.observeState({
    storageBytes: () => p.registry.metadata.storageBytes(),
    uploadSessions: () => p.registry.metadata.uploadSessionCount(),
    activeRuns: () => p.tasks.runs.countActive(),
  });
  await registerScrapeRoute(p.api, {
    mode: p.config.metrics,
    metrics,
    token: p.config.metricsToken,
    isAdmin: (principal) => p.authorizer.isAllowed(principal, ADMIN_ACTION, `/subscriptions/${p.subscriptionId}`),
    verifyBearer: p.verifyBearer,
  });
}
