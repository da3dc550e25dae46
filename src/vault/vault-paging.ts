import type { FastifyRequest } from 'fastify';
import { encodeSkipToken, nextLinkFor } from '../http/index.js';
import { DockyardError } from '../shared/index.js';

/** Key Vault's largest (and default) page of a secrets list. */
export const VAULT_MAX_PAGE = 25;

/**
 * One page of a Key Vault list computed in full: `maxresults` items (1–25, default 25) from the offset in
 * `$skiptoken`, and `nextLink` (this request's absolute URL with the next `$skiptoken`) while more remain, else null.
 */
export function vaultPage<T>(req: FastifyRequest, body: { value: T[] }): { value: T[]; nextLink: string | null } {
  const q = (req.query ?? {}) as Record<string, string | undefined>;
  const raw = q.maxresults;
  if (raw !== undefined && (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > VAULT_MAX_PAGE))
    throw new DockyardError('BadParameter', `Invalid value for maxresults: '${raw}'. It must be between 1 and 25.`);
  const size = raw === undefined ? VAULT_MAX_PAGE : Number(raw);
  let start = 0;
  if (q.$skiptoken) {
    try {
      start = (JSON.parse(Buffer.from(q.$skiptoken, 'base64url').toString('utf8')) as { o: number }).o;
    } catch {
      start = -1;
    }
    if (!Number.isSafeInteger(start) || start < 0)
      throw new DockyardError('BadParameter', 'The value of the query parameter $skiptoken is invalid.');
  }
  const end = start + size;
  const value = body.value.slice(start, end);
  if (end >= body.value.length) return { value, nextLink: null };
  return {
    value,
    nextLink: nextLinkFor(req, encodeSkipToken({ o: end }), '$skiptoken'),
  };
}
