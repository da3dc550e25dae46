export { errorHandlerFor, envelopeBody, toDockyardError, type Envelope } from './envelopes.js';
export { requireApiVersion } from './api-version.js';
export {
  installAuthentication,
  requirePrincipal,
  authorizeRequest,
  type Authenticator,
  type Authorizer,
} from './auth.js';
export {
  armPage,
  nextLinkFor,
  skipTokenOf,
  encodeSkipToken,
  topOf,
  pageSizeOf,
  setArmPageSize,
  DEFAULT_ARM_PAGE_SIZE,
  type ArmPage,
} from './paging.js';
