import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ERRORS, isDockyardError, type Logger } from '../../shared/index.js';
import { SAS_VERSION } from './blob-sas.js';

/** Headers Azure Storage puts on every response (the SDK reads the request id into its errors). */
export function storageHeaders(): Record<string, string> {
  return { 'x-ms-request-id': randomUUID(), 'x-ms-version': SAS_VERSION, date: new Date().toUTCString() };
}

const xmlEscape = (s: string): string =>
  s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** Azure Storage's error envelope: `x-ms-error-code` and an XML `<Error>` body (none for HEAD). */
export function sendBlobError(res: ServerResponse, err: unknown, head: boolean, log: Logger): void {
  let status = 500;
  let code = 'InternalError';
  let message = 'Server encountered an internal error. Please try again after some time.';
  if (isDockyardError(err)) {
    const def = ERRORS[err.code] as { status: number; wire?: string };
    status = err.status;
    code = def.wire ?? err.code;
    message = err.message;
  } else log.error({ err }, 'blob host request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  res.writeHead(status, {
    ...storageHeaders(),
    'x-ms-error-code': code,
    'content-type': 'application/xml',
    'content-length': head ? '0' : String(Buffer.byteLength(body)),
  });
  res.end(head ? undefined : body);
}
