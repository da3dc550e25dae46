import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError, type Principal } from '../shared/index.js';
import { errorHandlerFor } from '../http/index.js';
import type { IdentityService } from './identity-service.js';
import { audienceFor } from './audiences.js';

const API_VERSIONS = new Set(['2019-08-01', '2018-02-01', '2017-09-01']);
type Q = { Querystring: Record<string, string | undefined> };

/**
 * The managed-identity token endpoint for workloads: App Service's `IDENTITY_ENDPOINT` + `X-IDENTITY-HEADER`
 * (2017-09-01: `secret`), and IMDS's `Metadata: true` form. Either way the per-workload secret is required: it names
 * the identities the workload was bound to.
 */
export function registerMsiRoutes(identity: IdentityService) {
  return async function msiPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('imds'));
    const handler = async (req: FastifyRequest<Q>) => {
      const secretHeader = header(req, 'x-identity-header') ?? header(req, 'secret');
      const metadata = header(req, 'metadata')?.toLowerCase() === 'true';
      if (!secretHeader && !metadata)
        throw new DockyardError('bad_request_102', 'Required metadata header not specified');
      const q = req.query;
      if (!q['api-version'] || !API_VERSIONS.has(q['api-version']))
        throw new DockyardError(
          'invalid_request',
          `Invalid or missing api-version: '${q['api-version'] ?? ''}'. Supported: ${[...API_VERSIONS].join(', ')}.`,
        );
      const binding = identity.workloads.resolve(secretHeader ?? undefined);
      if (!binding)
        throw new DockyardError(
          'unauthorized_client',
          'The workload secret (X-IDENTITY-HEADER) is missing, invalid or expired.',
        );
      const resource = q.resource;
      if (!resource || !audienceFor(resource))
        throw new DockyardError(
          'invalid_resource',
          `AADSTS500011: The resource principal named ${resource ?? ''} was not found in the tenant.`,
        );
      const p = await pickIdentity(identity, binding.identities, binding.defaultIdentity, q);
      const t = await identity.tokens.issue(
        p,
        resource,
        binding.trustedService ? { trustedService: binding.trustedService } : {},
      );
      req.log.info({ identity: p.objectId, aud: t.resource }, 'managed identity token issued');
      return {
        access_token: t.accessToken,
        refresh_token: '',
        expires_in: String(t.expiresIn),
        expires_on: String(t.expiresOn),
        not_before: String(t.notBefore),
        resource: t.resource,
        token_type: 'Bearer',
        client_id: t.clientId,
      };
    };
    app.get('/msi/token', handler);
    app.get('/metadata/identity/oauth2/token', handler);
  };
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function pickIdentity(
  identity: IdentityService,
  allowed: string[],
  def: string | undefined,
  q: Record<string, string | undefined>,
): Promise<Principal> {
  const resourceId = q.mi_res_id ?? q.msi_res_id;
  const objectId = q.object_id ?? q.principal_id;
  let p: Principal | null = null;
  if (q.client_id) p = await identity.findManagedIdentity({ clientId: q.client_id });
  else if (objectId) p = await identity.findManagedIdentity({ objectId });
  else if (resourceId) p = await identity.findManagedIdentity({ resourceId });
  else {
    const id = def ?? (allowed.length === 1 ? allowed[0] : undefined);
    if (!id)
      throw new DockyardError(
        'identity_not_found',
        allowed.length === 0
          ? 'No managed identity is assigned to this workload.'
          : 'Several identities are assigned; name one with client_id, object_id or mi_res_id.',
      );
    p = await identity.findManagedIdentity({ objectId: id });
  }
  if (!p || !allowed.includes(p.objectId.toLowerCase()))
    throw new DockyardError('identity_not_found', 'Identity not found');
  return p;
}
