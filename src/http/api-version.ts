import type { FastifyRequest } from 'fastify';
import { DockyardError } from '../shared/index.js';

/** ARM requires `api-version` on every request and answers 400 for one it does not know. */
export function requireApiVersion(request: FastifyRequest, supported: readonly string[]): string {
  const v = (request.query as Record<string, string | undefined>)['api-version'];
  if (!v) throw new DockyardError('MissingApiVersionParameter');
  if (!supported.includes(v)) {
    throw new DockyardError(
      'InvalidApiVersionParameter',
      `The api-version '${v}' is invalid. The supported versions are '${supported.join(',')}'.`,
    );
  }
  return v;
}
