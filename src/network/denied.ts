import { normalizeAddress } from './ip-address.js';

/** ACR's firewall message (the body's `errors[0].message` with code `DENIED`). */
export function deniedMessage(clientIp: string): string {
  return `client with IP '${normalizeAddress(clientIp)}' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.`;
}
