import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DockyardError } from '../shared/index.js';

/** Items per page of an ARM list (Azure's typical 100); the composition root may set another (`armPageSize`). */
export const DEFAULT_ARM_PAGE_SIZE = 100;

declare module 'fastify' {
  interface FastifyInstance {
    armPageSize?: number;
  }
}

/** Sets the page size of every ARM list served by `app` and its plugins. */
export function setArmPageSize(app: FastifyInstance, size: number): void {
  app.decorate('armPageSize', size);
}

export interface ArmPage<T> {
  value: T[];
  nextLink?: string;
}

/**
 * `nextLink` as ARM writes it: this request's absolute URL with `$skipToken` set (other query parameters kept).
 * Key Vault names the parameter `$skiptoken`.
 */
export function nextLinkFor(req: FastifyRequest, skipToken: string, param = '$skipToken'): string {
  const url = new URL(req.url, `${req.protocol}://${req.host}`);
  url.searchParams.delete(param);
  const rest = url.searchParams.toString();
  // A literal `$` as ARM writes it (URLSearchParams would escape it); the token is base64url already.
  return `${url.origin}${url.pathname}?${rest ? `${rest}&` : ''}${param}=${encodeURIComponent(skipToken)}`;
}

const query = (req: FastifyRequest): Record<string, unknown> => (req.query ?? {}) as Record<string, unknown>;

/** The request's `$skipToken`, decoded (opaque to clients: base64url JSON). */
export function skipTokenOf<T>(req: FastifyRequest): T | undefined {
  const raw = query(req).$skipToken;
  if (raw === undefined || raw === '') return undefined;
  try {
    return JSON.parse(Buffer.from(String(raw), 'base64url').toString('utf8')) as T;
  } catch {
    throw new DockyardError(
      'InvalidParameter',
      `The value '${String(raw)}' of the query parameter '$skipToken' is invalid.`,
    );
  }
}

export const encodeSkipToken = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** `$top` (a positive integer), if given. */
export function topOf(req: FastifyRequest): number | undefined {
  const raw = query(req).$top;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(String(raw)) || Number(raw) < 1)
    throw new DockyardError(
      'InvalidParameter',
      `The value '${String(raw)}' of the query parameter '$top' is invalid. It must be a positive integer.`,
    );
  return Number(raw);
}

export const pageSizeOf = (req: FastifyRequest): number => req.server.armPageSize ?? DEFAULT_ARM_PAGE_SIZE;

/**
 * One page of a list computed in full (small ARM collections: registries, tasks, identities, role assignments...):
 * `value` and, when more remain, an absolute `nextLink` whose `$skipToken` holds the offset.
 */
export function armPage<T>(req: FastifyRequest, items: T[]): ArmPage<T> {
  const start = skipTokenOf<{ o?: number }>(req)?.o ?? 0;
  if (!Number.isSafeInteger(start) || start < 0)
    throw new DockyardError('InvalidParameter', "The query parameter '$skipToken' is invalid.");
  const end = start + pageSizeOf(req);
  const value = items.slice(start, end);
  return end < items.length ? { value, nextLink: nextLinkFor(req, encodeSkipToken({ o: end })) } : { value };
}
