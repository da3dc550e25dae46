export { Directory, directoryMigrations, type NewPrincipal } from './directory.js';
export { ensureLocalAdmin, localAdminAuthenticator, LOCAL_ADMIN_OBJECT_ID } from './local-admin.js';
export { clientSecretMigrations } from './client-secrets.js';
export { IdentityService, type ManagedIdentityRef, type PrincipalDeletedListener } from './identity-service.js';
export {
  TokenService,
  CLAIM_MI_KIND,
  CLAIM_TRUSTED_SERVICE,
  type IssuedToken,
  type IssueOptions,
  type TrustedService,
} from './token-service.js';
export { SigningKeyRing } from './signing-keys.js';
export { signJwt, decodeJwt } from './jwt.js';
export { RESOURCES, audienceFor, audienceMatches } from './audiences.js';
export { type WorkloadBindingInput } from './workload-bindings.js';
export { registerOidcRoutes } from './oidc-routes.js';
export { registerMsiRoutes } from './msi-routes.js';
export { acceptFormBodies } from './form-body.js';
export { registerPrincipalRoutes } from './principal-routes.js';
export { registerGraphRoutes, GRAPH_PREFIX } from './graph-routes.js';
export { prewarmSigningKey } from './key-prewarm.js';
