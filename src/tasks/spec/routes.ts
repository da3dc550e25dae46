/** Fastify routes: POST /dockyard/v1/task-files/validate and /render. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DockyardError, SecretSet } from '../../shared/index.js';
import { requirePrincipal } from '../../http/index.js';
import { RenderPool } from './render-pool.js';
import { TaskFileRequestSchema } from './evaluate.js';
import type { RunContext } from './values.js';

// The request body is the one `acr task validate|render` sends, shared with the CLI's local engine.
const Body = TaskFileRequestSchema;

export interface TaskFileRoutesOptions {
  /** Run context defaults (e.g. the registry login server) applied under the body's `run`. */
  run?: RunContext;
  /** Where templates render (worker threads with a deadline); by default a pool owned by the plugin. */
  pool?: RenderPool;
}

/** Any authenticated caller may validate or render (nothing is read or stored); anonymous callers may not. */
export const taskFileRoutes: FastifyPluginAsync<TaskFileRoutesOptions> = async (app, opts) => {
  const pool = opts.pool ?? new RenderPool();
  if (!opts.pool) app.addHook('onClose', () => pool.close());
  const handle = (render: boolean) => async (req: FastifyRequest) => {
    requirePrincipal(req);
    const parsed = Body.safeParse(req.body);
    if (!parsed.success)
      throw new DockyardError(
        'InvalidRequestContent',
        `invalid body: ${parsed.error.issues[0]?.message ?? 'bad request'}`,
      );
    const b = parsed.data;
    const r = await pool.render({
      text: b.content,
      fileName: b.fileName,
      values: b.values,
      setValues: b.set,
      secretValues: b.setSecret,
      run: { ...(opts.run ?? {}), ...(b.run ?? {}), date: new Date() },
    });
    // The shared masking function (src/shared/masking.ts) over everything returned, errors included.
    const secrets = new SecretSet().addAll((b.setSecret ?? []).map((s) => s.slice(s.indexOf('=') + 1)));
    const base = { ok: r.ok, errors: r.errors, warnings: r.warnings };
    return secrets.maskDeep(render ? { ...base, rendered: r.rendered } : { ...base, plan: r.plan });
  };
  app.post('/dockyard/v1/task-files/validate', handle(false));
  app.post('/dockyard/v1/task-files/render', handle(true));
};
