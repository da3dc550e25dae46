import type { FastifyInstance } from 'fastify';
import { DockyardError, parseResourceId } from '../shared/index.js';
import { authorizeRequest, type Authorizer } from '../http/index.js';

export interface DayActivity {
  day: string;
  pushes: number;
  pulls: number;
  bytesPushed: number;
  bytesPulled: number;
  storageBytes: number | null;
}

export interface RunAggregates {
  daily: Array<{ day: string; status: string; count: number }>;
  durations: Array<{ runId: string; task: string | null; status: string; finishTime: string; seconds: number }>;
}

/** Where the dashboard's chart data comes from (wired by the app over the registry and task modules). */
export interface AggregateSources {
  /** The registry with this ARM id (case-insensitive), or null. */
  registryById(id: string): Promise<{ id: string; name: string } | null>;
  activity(registryName: string, days: number): Promise<DayActivity[]>;
  repositoryBytes(registryName: string): Promise<Array<{ repository: string; bytes: number }>>;
  runs(registryName: string, since: string, task?: string): Promise<RunAggregates>;
}

const READ = 'Microsoft.ContainerRegistry/registries/read';
const RUNS_READ = 'Microsoft.ContainerRegistry/registries/runs/read';

/**
 * `GET /dockyard/v1/aggregates?registry=<ARM id>[&days=30][&task=<name>]`: per-day pushes/pulls and storage, bytes
 * per repository (needs `registries/read`), and runs per day by status with run durations (only with
 * `registries/runs/read`, else `runs: null`). Bounded: at most 90 days, 500 repositories, 200 durations.
 */
export function registerAggregatesRoute(app: FastifyInstance, authorizer: Authorizer, src: AggregateSources): void {
  app.get<{ Querystring: { registry?: string; days?: string; task?: string } }>(
    '/dockyard/v1/aggregates',
    async (req) => {
      const id = req.query.registry ?? '';
      const parsed = parseResourceId(id);
      if (!parsed || !/\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i.test(id))
        throw new DockyardError('InvalidParameter', `The registry id '${id.slice(0, 300)}' is not valid.`);
      const days = req.query.days === undefined ? 30 : Number(req.query.days);
      if (!Number.isInteger(days) || days < 1 || days > 90)
        throw new DockyardError('InvalidParameter', "The 'days' parameter must be a whole number from 1 to 90.");
      const task = req.query.task;
      if (task !== undefined && !/^[a-zA-Z0-9_-]{1,50}$/.test(task))
        throw new DockyardError('InvalidParameter', `The task name '${task.slice(0, 60)}' is not valid.`);
      const reg = await src.registryById(id);
      if (!reg)
        throw new DockyardError(
          'ResourceNotFound',
          `The Resource 'Microsoft.ContainerRegistry/registries' was not found.`,
        );
      const principal = await authorizeRequest(req, authorizer, READ, reg.id);
      const activity = await src.activity(reg.name, days);
      const runsAllowed = await authorizer.isAllowed(principal, RUNS_READ, reg.id);
      return {
        registry: reg.id,
        days,
        activity,
        repositories: await src.repositoryBytes(reg.name),
        runs: runsAllowed ? await src.runs(reg.name, `${activity[0].day}T00:00:00.000Z`, task) : null,
      };
    },
  );
}
