/** Fastify routes: POST /dockyard/v1/task-files/validate and /render. */
import type { FastifyPluginAsync } from 'fastify';
import { DockyardError } from '../../shared/index.js';
import { evaluateTaskFile, TaskFileRequestSchema } from './evaluate.js';
import type { RunContext } from './values.js';

export interface TaskFileRoutesOptions {
  /** Run context defaults (e.g. the registry login server) applied under the body's `run`. */
  run?: RunContext;
}

export const taskFileRoutes: FastifyPluginAsync<TaskFileRoutesOptions> = async (app, opts) => {
  const handle = (render: boolean) => async (req: { body: unknown }) => {
    const parsed = TaskFileRequestSchema.safeParse(req.body);
    if (!parsed.success) throw new DockyardError('InvalidRequestContent', `invalid body: ${parsed.error.issues[0]?.message ?? 'bad request'}`);
    return evaluateTaskFile(parsed.data, render, opts.run ?? {});
  };
  app.post('/dockyard/v1/task-files/validate', handle(false));
  app.post('/dockyard/v1/task-files/render', handle(true));
};
