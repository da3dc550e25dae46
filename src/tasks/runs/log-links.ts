import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Log links (`/dockyard/v1/logs/<token>`), like ACR's `getLogLink` SAS URLs, expire. The token names the run and its
 * expiry and is signed with the run's secret log token, which stays in the database: `<run>.<expiry>.<signature>` with
 * `<run>` = base64url(`registry/runId`), `<expiry>` = Unix seconds, `<signature>` = base64url(HMAC-SHA256(logToken,
 * `log-link:<run>.<expiry>`)). Changing the expiry breaks the signature; verification is constant-time.
 */
export const DEFAULT_LOG_LINK_TTL_MS = 60 * 60 * 1000;

export interface LogLinkClaims {
  registryName: string;
  runId: string;
  /** Expiry, Unix seconds. */
  expiresAt: number;
  signature: Buffer;
  signed: string;
}

const sign = (logToken: string, signed: string): Buffer =>
  createHmac('sha256', logToken).update(`log-link:${signed}`).digest();

/** A token for `run`'s log valid until `expiresAt` (a Date). */
export function mintLogLinkToken(
  run: { registryName: string; runId: string; logToken: string },
  expiresAt: Date,
): string {
  const ref = Buffer.from(`${run.registryName}/${run.runId}`, 'utf8').toString('base64url');
  const signed = `${ref}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${signed}.${sign(run.logToken, signed).toString('base64url')}`;
}

/** The token's claims (not yet verified); null when it is not a log-link token at all. */
export function parseLogLinkToken(token: string): LogLinkClaims | null {
  const m = /^([A-Za-z0-9_-]{1,400})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return null;
  const ref = Buffer.from(m[1], 'base64url').toString('utf8');
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) return null;
  return {
    registryName: ref.slice(0, slash),
    runId: ref.slice(slash + 1),
    expiresAt: Number(m[2]),
    signature: Buffer.from(m[3], 'base64url'),
    signed: `${m[1]}.${m[2]}`,
  };
}

/** `valid`, `expired` (signature good, time passed) or `invalid` (wrong signature). */
export function verifyLogLink(claims: LogLinkClaims, logToken: string, now: Date): 'valid' | 'expired' | 'invalid' {
  const expected = sign(logToken, claims.signed);
  if (claims.signature.length !== expected.length || !timingSafeEqual(claims.signature, expected)) return 'invalid';
  return now.getTime() >= claims.expiresAt * 1000 ? 'expired' : 'valid';
}
