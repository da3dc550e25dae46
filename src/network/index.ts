export {
  checkNetwork,
  networkOnly,
  type NetworkDecision,
  type NetworkSettings,
  type TasksBypassPolicy,
} from './check-network.js';
export { clientAddress } from './client-address.js';
export { cidrContains, ipv4ToNumber, normalizeAddress, parseCidr, type CidrRange } from './ip-address.js';
export { deniedMessage } from './denied.js';
export { FORWARDED_CLIENT_HEADER, relayedClient, relayedClientHeader } from './forwarded-client.js';
