import type { IncomingHttpHeaders } from 'node:http';
import { cidrContains, normalizeAddress, parseCidr } from './ip-address.js';
import { relayedClient } from './forwarded-client.js';

/**
 * The client address used for network rules: the socket's peer address. Forwarding headers (`X-Forwarded-For`,
 * `X-Real-IP`, `Forwarded`) are ignored unless the peer itself is a configured trusted proxy; then the right-most
 * `X-Forwarded-For` entry that is not a trusted proxy is the client (entries left of it could be forged by the client).
 * `X-Real-IP` and `Forwarded` are never used. A request relayed by the server's own dashboard proxy carries the
 * browser's address (as the proxy computed it with these same rules) under an HMAC only the server can make
 * (forwarded-client.ts); with `relayKey` given, that address is the client.
 */
export function clientAddress(
  peer: string | undefined,
  headers: IncomingHttpHeaders,
  trustedProxies: readonly string[],
  relayKey?: Buffer,
): string {
  const relayed = relayedClient(headers, relayKey);
  if (relayed !== undefined) return relayed;
  const p = normalizeAddress(peer ?? '');
  if (trustedProxies.length === 0 || !isTrusted(p, trustedProxies)) return p;
  const raw = headers['x-forwarded-for'];
  const chain = (Array.isArray(raw) ? raw.join(',') : (raw ?? ''))
    .split(',')
    .map((s) => normalizeAddress(s))
    .filter(Boolean);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrusted(chain[i], trustedProxies)) return chain[i];
  }
  return chain[0] ?? p;
}

function isTrusted(address: string, proxies: readonly string[]): boolean {
  return proxies.some((t) => {
    const range = parseCidr(t);
    return range ? cidrContains(range, address) : normalizeAddress(t) === address;
  });
}
