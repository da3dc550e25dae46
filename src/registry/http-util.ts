import type { IncomingMessage, ServerResponse } from 'node:http';
import { DockyardError, ERRORS, isDockyardError, maskDeep } from '../shared/index.js';
import {
  DigestMismatchError,
  LengthMismatchError,
  UploadConflictError,
  UploadTooLargeError,
  UploadUnknownError,
} from '../storage/index.js';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = 'application/json; charset=utf-8',
): void {
  // A string body goes out in the same write as the headers (a Buffer would be a second chunk of a corked writev).
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-length': '0', ...headers });
  res.end();
}

/** Maps store/validation failures to the spec's error codes. */
export function toRegistryError(err: unknown): DockyardError {
  if (isDockyardError(err)) return err;
  if (err instanceof DigestMismatchError)
    return new DockyardError('DIGEST_INVALID', 'provided digest did not match uploaded content', {
      detail: { expected: err.expected, actual: err.actual },
    });
  if (err instanceof LengthMismatchError)
    return new DockyardError('SIZE_INVALID', 'provided length did not match content length', {
      detail: { expected: err.expected, actual: err.actual },
    });
  if (err instanceof UploadTooLargeError)
    return new DockyardError('SIZE_INVALID', `blob exceeds the maximum size of ${err.limit} bytes`);
  if (err instanceof UploadUnknownError) return new DockyardError('BLOB_UPLOAD_UNKNOWN');
  // Another request (maybe on another node) changed the upload meanwhile: the client re-reads its range and resumes.
  if (err instanceof UploadConflictError)
    return new DockyardError('RANGE_INVALID', 'the upload was changed by a concurrent request', {
      detail: { uuid: err.id },
    });
  return new DockyardError('UNKNOWN', 'unknown error', { cause: err });
}

export function sendError(req: IncomingMessage, res: ServerResponse, err: DockyardError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { ...err.headers };
  // Do not read (possibly huge) bodies of rejected requests: close the connection instead.
  if (!req.complete) headers.connection = 'close';
  const body = maskDeep({ errors: [{ code: err.code, message: err.message, detail: err.detail ?? null }] });
  if (req.method === 'HEAD') {
    res.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end();
    return;
  }
  sendJson(res, err.status, body, headers);
  if (!req.complete) res.on('finish', () => req.destroy());
}

/** Reads a small request body (manifests, forms) with a size cap. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit)
    throw new DockyardError('SIZE_INVALID', `body exceeds ${limit} bytes`);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > limit) throw new DockyardError('SIZE_INVALID', `body exceeds ${limit} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses Content-Length: absent → undefined; negative, fractional or garbage → SIZE_INVALID. */
export function contentLength(req: IncomingMessage, max: number): number | undefined {
  const v = req.headers['content-length'];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new DockyardError('SIZE_INVALID', 'invalid Content-Length');
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n > max)
    throw new DockyardError('SIZE_INVALID', `Content-Length exceeds the maximum blob size of ${max} bytes`);
  return n;
}

export const errorStatus = (code: keyof typeof ERRORS): number => ERRORS[code].status;
