import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { normalizeAddress } from './ip-address.js';

/**
 * How an in-process relay (the dashboard's registry proxy) tells a registry listener whose address it relays for.
 * The relay connects from the server's own address, so without this every browser would look like 127.0.0.1. The
 * header carries the client address and an HMAC of it under a per-process key that never leaves the server: a
 * client calling a registry directly cannot forge it, and the relay drops whatever the browser sent under that name.
 */
export const FORWARDED_CLIENT_HEADER = 'x-dockyard-relayed-client';

const mac = (key: Buffer, address: string): Buffer =>
  createHmac('sha256', key).update(`relayed-client:${address}`).digest();

/** The header value proving that the relay holding `key` forwards for `address`. */
export function relayedClientHeader(address: string, key: Buffer): string {
  const a = normalizeAddress(address);
  return `${a};${mac(key, a).toString('base64url')}`;
}

/** The relayed client address when the header is present and its proof verifies (constant time); else undefined. */
export function relayedClient(headers: IncomingHttpHeaders, key: Buffer | undefined): string | undefined {
  const raw = headers[FORWARDED_CLIENT_HEADER];
  if (!key || typeof raw !== 'string') return undefined;
  const cut = raw.lastIndexOf(';');
  if (cut <= 0) return undefined;
  const address = raw.slice(0, cut);
  const given = Buffer.from(raw.slice(cut + 1), 'base64url');
  const expected = mac(key, address);
  return given.length === expected.length && timingSafeEqual(given, expected) ? address : undefined;
}
