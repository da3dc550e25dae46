import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Service SAS tokens for the blob host (docs/designs/azure-cli.md), shaped like Azure Storage's
 * (`sv=…&sr=b&sp=…&se=…&sig=…`) so the Azure Storage SDK inside `az` passes them through untouched. The signature is
 * HMAC-SHA256 over the permissions, the expiry, the canonical resource `/blob/<account>/<container>/<blob>`, the
 * version and the resource type; it is verified in constant time. The key is the caller's: the upload area's
 * process key for source uploads, the run's secret log token for run logs.
 */
export const SAS_VERSION = '2018-11-09';

export interface SasScope {
  account: string;
  container: string;
  blob: string;
}

const canonical = (s: SasScope): string => `/blob/${s.account}/${s.container}/${s.blob}`;

const stringToSign = (s: SasScope, permissions: string, expiry: string): string =>
  [permissions, expiry, canonical(s), SAS_VERSION, 'b'].join('\n');

const sign = (key: string | Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/** The query string (without `?`) granting `permissions` (`r`, `c`, `w`) on one blob until `expiresAt`. */
export function signBlobSas(key: string | Buffer, scope: SasScope, permissions: string, expiresAt: Date): string {
  const expiry = expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sig = sign(key, stringToSign(scope, permissions, expiry)).toString('base64url');
  return new URLSearchParams({ sv: SAS_VERSION, sr: 'b', sp: permissions, se: expiry, sig }).toString();
}

export type SasVerdict = 'valid' | 'invalid' | 'expired' | 'forbidden';

/**
 * Checks a request's SAS for `scope`: `invalid` (missing, malformed or wrong signature), `expired`, `forbidden` (valid
 * but without `needed` among its permissions) or `valid`.
 */
export function verifyBlobSas(
  key: string | Buffer,
  scope: SasScope,
  query: URLSearchParams,
  needed: string,
  now: Date,
): SasVerdict {
  const sp = query.get('sp') ?? '';
  const se = query.get('se') ?? '';
  const sig = query.get('sig') ?? '';
  if (query.get('sv') !== SAS_VERSION || query.get('sr') !== 'b') return 'invalid';
  if (!/^[rcw]{1,3}$/.test(sp) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(se) || !/^[A-Za-z0-9_-]{43}$/.test(sig))
    return 'invalid';
  const given = Buffer.from(sig, 'base64url');
  const expected = sign(key, stringToSign(scope, sp, se));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  if (now.getTime() >= Date.parse(se)) return 'expired';
  return [...needed].some((p) => sp.includes(p)) ? 'valid' : 'forbidden';
}
