import { randomBytes, randomUUID, timingSafeEqual, createHash } from 'node:crypto';

export const newGuid = (): string => randomUUID();

/** An unguessable URL-safe secret (256 bits). */
export const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Constant-time comparison of two secrets of any length. */
export function secretsEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (s: string): boolean => GUID_RE.test(s);

export const NULL_GUID = '00000000-0000-0000-0000-000000000000';
