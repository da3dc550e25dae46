export {
  ensureServerCertificate,
  localCaFiles,
  serverNames,
  RENEW_BEFORE_DAYS,
  type LocalCaFiles,
  type ServerCredentials,
} from './local-ca.js';
