import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError } from '../shared/index.js';
import { errorHandlerFor } from '../http/index.js';
import type { IdentityService } from './identity-service.js';
import { acceptFormBodies } from './form-body.js';

type TenantParams = { Params: { tenant: string } };

/**
 * The tenant's public endpoints: OIDC discovery, JWKS, and the client-credentials token endpoint in its v2
 * (`scope=<resource>/.default`) and v1 (`resource=`) forms, with OAuth's error envelope.
 */
export function registerOidcRoutes(identity: IdentityService) {
  return async function oidcPlugin(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(errorHandlerFor('oauth'));
    acceptFormBodies(app);

    const checkTenant = (t: string): void => {
      const l = t.toLowerCase();
      if (l !== identity.tenantId && l !== 'common' && l !== 'organizations' && l !== 'adfs') {
        throw new DockyardError(
          'invalid_tenant',
          `AADSTS90002: Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        );
      }
    };
    // Over the optional TLS listener (src/app/wire-tls.ts) the endpoints are advertised as https on that listener, since
    // MSAL (the Azure CLI) insists on an https authority and token endpoint.
    const base = (req: FastifyRequest) => {
      const tls = (req.raw.socket as { encrypted?: boolean }).encrypted === true && req.headers.host;
      return `${tls ? `https://${req.headers.host}` : identity.baseUrl()}/${identity.tenantId}`;
    };

    const discovery = (v2: boolean) => async (req: FastifyRequest<TenantParams>) => {
      checkTenant(req.params.tenant);
      return {
        issuer: identity.tokens.issuer(),
        token_endpoint: `${base(req)}/oauth2/${v2 ? 'v2.0/' : ''}token`,
        authorization_endpoint: `${base(req)}/oauth2/${v2 ? 'v2.0/' : ''}authorize`,
        jwks_uri: `${base(req)}/discovery/${v2 ? 'v2.0/' : ''}keys`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        grant_types_supported: ['client_credentials'],
        response_types_supported: ['token'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'oid', 'tid', 'appid', 'xms_mirid'],
        tenant_region_scope: null,
      };
    };
    app.get('/:tenant/v2.0/.well-known/openid-configuration', discovery(true));
    app.get('/:tenant/.well-known/openid-configuration', discovery(false));
    const jwks = async (req: FastifyRequest<TenantParams>) => {
      checkTenant(req.params.tenant);
      return identity.keys.jwks();
    };
    app.get('/:tenant/discovery/v2.0/keys', jwks);
    app.get('/:tenant/discovery/keys', jwks);

    const token = (v2: boolean) => async (req: FastifyRequest<TenantParams>) => {
      checkTenant(req.params.tenant);
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, string>;
      let clientId = body.client_id;
      let secret = body.client_secret;
      const basic = req.headers.authorization;
      if (basic && /^basic /i.test(basic)) {
        const [u, ...rest] = Buffer.from(basic.slice(6).trim(), 'base64').toString('utf8').split(':');
        clientId ??= decodeURIComponent(u);
        secret ??= decodeURIComponent(rest.join(':'));
      }
      if (body.grant_type !== 'client_credentials')
        throw new DockyardError(
          'unsupported_grant_type',
          `AADSTS70003: The app requested an unsupported grant type '${body.grant_type ?? ''}'.`,
        );
      if (!clientId || !secret)
        throw new DockyardError(
          'invalid_request',
          "AADSTS900144: The request body must contain the following parameter: 'client_id' and 'client_secret'.",
        );
      // v1 also takes a v2-style `scope` (as AD FS does; MSAL sends it when the authority is an AD FS-style one).
      const resource = v2 ? scopeResource(body.scope) : (body.resource ?? scopeResource(body.scope));
      if (!resource)
        throw new DockyardError(
          'invalid_request',
          `AADSTS900144: The request body must contain the following parameter: '${v2 ? 'scope' : 'resource'}'.`,
        );
      const principal = await identity.authenticateClient(clientId, secret);
      if (!principal)
        throw new DockyardError(
          'invalid_client',
          `AADSTS7000215: Invalid client secret provided for client '${clientId}'.`,
        );
      const t = await identity.tokens.issue(principal, resource);
      req.log.info({ clientId, aud: t.resource }, 'token issued');
      if (v2 || !body.resource)
        return {
          token_type: 'Bearer',
          expires_in: t.expiresIn,
          ext_expires_in: t.expiresIn,
          access_token: t.accessToken,
        };
      return {
        token_type: 'Bearer',
        expires_in: String(t.expiresIn),
        ext_expires_in: String(t.expiresIn),
        expires_on: String(t.expiresOn),
        not_before: String(t.notBefore),
        resource: t.resource,
        access_token: t.accessToken,
      };
    };
    app.post('/:tenant/oauth2/v2.0/token', token(true));
    app.post('/:tenant/oauth2/token', token(false));
  };
}

function scopeResource(scope: string | undefined): string | undefined {
  if (!scope) return undefined;
  const s = scope.split(/\s+/).find((x) => /\/\.default$/i.test(x));
  if (!s)
    throw new DockyardError(
      'invalid_scope',
      `AADSTS1002012: The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.`,
    );
  return s;
}
