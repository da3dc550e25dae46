import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DockyardError, isDockyardError, maskDeep, type ErrorCode } from '../shared/index.js';

export type Envelope = 'arm' | 'oci' | 'oauth' | 'keyvault' | 'imds';

/** Turns any thrown value into a DockyardError (framework errors keep their status). */
export function toDockyardError(err: unknown, envelope: Envelope): DockyardError {
  if (isDockyardError(err)) return err;
  const fe = err as FastifyError;
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode < 500) {
    const code: ErrorCode =
      envelope === 'oci'
        ? fe.statusCode === 413
          ? 'SIZE_INVALID'
          : 'UNSUPPORTED'
        : envelope === 'oauth' || envelope === 'imds'
          ? 'invalid_request'
          : envelope === 'keyvault'
            ? 'BadParameter'
            : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || fe.code?.startsWith('FST_ERR_CTP')
              ? 'InvalidRequestContent'
              : 'InvalidRequestContent';
    const e = new DockyardError(code, fe.message);
    (e as { status: number }).status = fe.statusCode;
    return e;
  }
  return new DockyardError(envelope === 'oci' ? 'UNSUPPORTED' : 'InternalServerError', 'An internal error occurred.', {
    cause: err,
  });
}

/** The error's body in the route group's format; secrets the process knows and data-dir paths are masked out. */
export function envelopeBody(err: DockyardError, envelope: Envelope): unknown {
  return maskDeep(rawEnvelopeBody(err, envelope));
}

function rawEnvelopeBody(err: DockyardError, envelope: Envelope): unknown {
  switch (envelope) {
    case 'oci':
      return { errors: [{ code: err.code, message: err.message, detail: err.detail ?? null }] };
    case 'oauth':
    case 'imds':
      return { error: err.code, error_description: err.message };
    case 'keyvault':
      return { error: { code: err.code, message: err.message } };
    case 'arm':
    default:
      return { error: { code: err.code, message: err.message, ...(err.detail ? { details: err.detail } : {}) } };
  }
}

/** An error handler for one route group. */
export function errorHandlerFor(envelope: Envelope) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): void => {
    const err = toDockyardError(error, envelope);
    if (err.status >= 500) request.log.error({ err: error }, 'request failed');
    for (const [k, v] of Object.entries(err.headers)) void reply.header(k, v);
    void reply.status(err.status).send(envelopeBody(err, envelope));
  };
}
