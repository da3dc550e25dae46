import { ERRORS, type ErrorCode } from './registry.js';

/** The one error type thrown by services. The edge turns it into the right envelope. */
export class DockyardError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { detail?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message ?? ERRORS[code].message, { cause: options.cause });
    this.name = 'DockyardError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

export function isDockyardError(err: unknown): err is DockyardError {
  return err instanceof DockyardError;
}

/** Neutral store errors: stores throw these, services translate them into a registry code. */
export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends Error {
  constructor(readonly what: string) {
    super(`${what} already exists`);
    this.name = 'ConflictError';
  }
}
