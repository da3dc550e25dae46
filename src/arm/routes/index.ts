import type { FastifyInstance } from 'fastify';
import { errorHandlerFor } from '../../http/index.js';
import type { ArmDeps } from './context.js';
import { registerResourceGroupRoutes } from './resource-group-routes.js';
import { registerRegistryRoutes } from './registry-routes.js';
import { registerIdentityRoutes } from './identity-routes.js';
import { registerResourceListRoutes } from './resource-list-routes.js';

/** The ARM control plane as a fastify plugin with ARM's error envelope. */
export function registerArmRoutes(deps: ArmDeps) {
  return async function armPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('arm'));
    app.setNotFoundHandler((req, reply) => {
      void reply.status(404).send({
        error: {
          code: 'InvalidResourceType',
          message: `The resource type could not be found for path '${req.url.split('?')[0]}'.`,
        },
      });
    });
    registerResourceGroupRoutes(app, deps);
    registerRegistryRoutes(app, deps);
    registerIdentityRoutes(app, deps);
    registerResourceListRoutes(app, deps);
  };
}
