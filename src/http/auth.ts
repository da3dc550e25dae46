import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError, type Principal } from '../shared/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Resolves the caller from a request (bearer token, basic credentials...). Returns null when it does not apply. */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | null>;

/** Decides whether a principal may perform an ARM/data action on a scope (resource id). */
export interface Authorizer {
  isAllowed(principal: Principal, action: string, scope: string): Promise<boolean>;
}

/** Installs authentication on an instance: the first authenticator that answers wins; a thrown error is a 401. */
export function installAuthentication(app: FastifyInstance, authenticators: Authenticator[]): void {
  if (!app.hasRequestDecorator('principal')) app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    request.principal = null;
    for (const a of authenticators) {
      const p = await a(request);
      if (p) {
        request.principal = p;
        return;
      }
    }
  });
}

export function requirePrincipal(request: FastifyRequest): Principal {
  if (!request.principal) {
    const hasAuth = Boolean(request.headers.authorization);
    throw new DockyardError(
      hasAuth ? 'InvalidAuthenticationToken' : 'AuthenticationFailed',
      hasAuth ? 'The access token is invalid.' : "Authentication failed. The 'Authorization' header is missing.",
    );
  }
  return request.principal;
}

/** Throws ARM's AuthorizationFailed unless the caller may perform `action` on `scope`. */
export async function authorizeRequest(
  request: FastifyRequest,
  authorizer: Authorizer,
  action: string,
  scope: string,
): Promise<Principal> {
  const principal = requirePrincipal(request);
  if (!(await authorizer.isAllowed(principal, action, scope))) {
    throw new DockyardError(
      'AuthorizationFailed',
      `The client '${principal.displayName}' with object id '${principal.objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid.`,
    );
  }
  return principal;
}
