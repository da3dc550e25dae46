import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { DockyardError, type Clock, type Logger } from '../../shared/index.js';
import { MAX_BLOCK_BYTES, MAX_UPLOAD_BYTES, type Uploads } from '../runs/uploads.js';
import type { RunStore } from '../runs/run-store.js';
import type { RunLogs } from '../runs/run-log.js';
import { TERMINAL, type RunStatus } from '../runs/model.js';
import { verifyBlobSas, type SasScope } from './blob-sas.js';
import { sendBlobError, storageHeaders } from './blob-responses.js';

/** The storage account name in blob URLs (`https://dockyard.blob.<suffix>/…`). */
export const BLOB_ACCOUNT = 'dockyard';
/** Container of build-source uploads (blob name = the run request's `sourceLocation`). */
export const UPLOAD_CONTAINER = 'uploads';
/** Container of run logs (blob name `<registry>/<runId>/rawtext.log`). */
export const LOG_CONTAINER = 'logs';

export type BlobHandler = (account: string, req: IncomingMessage, res: ServerResponse) => void;

export interface BlobHostDeps {
  uploads: Uploads;
  runs: RunStore;
  /** Run logs (in the database: any node reads any run's log). */
  logs: RunLogs;
  clock: Clock;
  log: Logger;
}

/** What az's log reader takes for a finished run (`x-ms-meta-Complete`); it fails the command on the last three. */
const COMPLETE: Partial<Record<RunStatus, string>> = {
  Succeeded: 'succeeded',
  Failed: 'failed',
  Canceled: 'canceled',
  Timeout: 'timedout',
  Error: 'internalerror',
};

const MAX_BLOCK_LIST_BYTES = 1024 * 1024;

function checkSas(key: string | Buffer, scope: SasScope, query: URLSearchParams, needed: string, now: Date): void {
  const verdict = verifyBlobSas(key, scope, query, needed, now);
  if (verdict === 'invalid') throw new DockyardError('SasAuthenticationFailed');
  if (verdict === 'expired')
    throw new DockyardError('SasAuthenticationFailed', 'Signed expiry time has passed: request a new URL.');
  if (verdict === 'forbidden') throw new DockyardError('AuthorizationPermissionMismatch');
}

async function readBounded(req: IncomingMessage, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > max) throw new DockyardError('RequestBodyTooLarge');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const created = (res: ServerResponse): void => {
  res.writeHead(201, {
    ...storageHeaders(),
    etag: `"0x${Date.now().toString(16).toUpperCase()}"`,
    'last-modified': new Date().toUTCString(),
    'x-ms-request-server-encrypted': 'true',
    'content-length': '0',
  });
  res.end();
};

/** Put Blob, Put Block and Put Block List of one build-source archive. */
async function putUpload(
  d: BlobHostDeps,
  scope: SasScope,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
) {
  const token = d.uploads.tokenOf(scope.blob);
  if (!token) throw new DockyardError('SasAuthenticationFailed');
  checkSas(d.uploads.sasKey, scope, q, 'cw', d.clock.now());
  const comp = q.get('comp');
  // Refuse a declared oversize body before reading it (a streamed one is cut off at the same bound).
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > (comp === 'block' ? MAX_BLOCK_BYTES : comp === 'blocklist' ? MAX_BLOCK_LIST_BYTES : MAX_UPLOAD_BYTES))
    throw new DockyardError('RequestBodyTooLarge');
  if (comp === 'block') {
    await d.uploads.receiveBlock(token, q.get('blockid') ?? '', req);
  } else if (comp === 'blocklist') {
    const xml = await readBounded(req, MAX_BLOCK_LIST_BYTES);
    if (!/^\s*(<\?xml[^>]*\?>)?\s*<BlockList>[\s\S]*<\/BlockList>\s*$/.test(xml))
      throw new DockyardError('InvalidBlockList', 'The block list is not a <BlockList> document.');
    const ids = [...xml.matchAll(/<(Latest|Committed|Uncommitted)>([^<]{1,100})<\/\1>/g)].map((m) => m[2].trim());
    await d.uploads.commitBlocks(token, ids);
  } else if (comp === null) {
    const type = req.headers['x-ms-blob-type'];
    if (!type) throw new DockyardError('MissingRequiredHeader', 'The x-ms-blob-type header is required.');
    if (type !== 'BlockBlob')
      throw new DockyardError('InvalidQueryParameterValue', 'Only block blobs can be uploaded here.');
    await d.uploads.receive(token, req);
  } else throw new DockyardError('InvalidQueryParameterValue', `comp=${comp.slice(0, 20)} is not supported here.`);
  created(res);
}

/** Get Blob Properties (HEAD) and Get Blob (GET, ranged) of a run's log, shown with CRLF line ends as ACR's are. */
async function readLog(
  d: BlobHostDeps,
  scope: SasScope,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
) {
  const m = /^([A-Za-z0-9]{5,50})\/([A-Za-z0-9-]{1,64})\/rawtext\.log$/.exec(scope.blob);
  const run = m ? await d.runs.get(m[1], m[2]) : null;
  if (!run) throw new DockyardError('SasAuthenticationFailed');
  checkSas(run.logToken, scope, q, 'r', d.clock.now());
  // Status first: a run is marked finished only after its last line is written.
  const complete = TERMINAL.includes(run.status) ? COMPLETE[run.status] : undefined;
  if (req.method === 'GET' && q.get('follow') === '1') {
    // Dockyard's own CLI: the log so far, then followed until the run ends (not part of the Blob API; the SAS is).
    res.writeHead(200, { ...storageHeaders(), 'content-type': 'text/plain; charset=utf-8' });
    const finished = async () => {
      const r = await d.runs.get(run.registryName, run.runId);
      return !r || TERMINAL.includes(r.status);
    };
    await pipeline(d.logs.stream(run, true, finished), res);
    return;
  }
  const raw = await d.logs.text(run);
  if (!raw) throw new DockyardError('BlobNotFound');
  const text = Buffer.from(raw.toString('utf8').replace(/\r?\n/g, '\r\n'), 'utf8');
  const headers: Record<string, string> = {
    ...storageHeaders(),
    'content-type': 'text/plain; charset=utf-8',
    'x-ms-blob-type': 'AppendBlob',
    'accept-ranges': 'bytes',
    etag: `"0x${createHash('sha256').update(text).digest('hex').slice(0, 16).toUpperCase()}"`,
    'last-modified': new Date(run.lastUpdatedTime ?? run.createTime ?? Date.now()).toUTCString(),
    ...(complete ? { 'x-ms-meta-Complete': complete } : {}),
  };
  const range = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(String(req.headers['x-ms-range'] ?? req.headers.range ?? ''));
  if (req.method === 'HEAD' || !range) {
    res.writeHead(200, { ...headers, 'content-length': String(text.length) });
    res.end(req.method === 'HEAD' ? undefined : text);
    return;
  }
  const start = Number(range[1]);
  if (start >= text.length)
    throw new DockyardError('InvalidRange', undefined, { headers: { 'content-range': `bytes */${text.length}` } });
  const end = Math.min(range[2] ? Number(range[2]) : text.length - 1, text.length - 1);
  if (end < start) throw new DockyardError('InvalidRange');
  res.writeHead(206, {
    ...headers,
    'content-length': String(end - start + 1),
    'content-range': `bytes ${start}-${end}/${text.length}`,
  });
  res.end(text.subarray(start, end + 1));
}

/**
 * The blob host (`https://<account>.blob.<suffix>`), the slice of the Azure Blob REST API the Azure CLI's storage SDK
 * sends for `az acr build`/`az acr run` uploads and for following run logs. Every request carries a SAS (blob-sas.ts)
 * for exactly one blob: no SAS, a wrong signature, an expired one or a missing permission is refused.
 */
export function createBlobHost(d: BlobHostDeps): BlobHandler {
  return (account, req, res) => {
    const head = req.method === 'HEAD';
    const handle = async (): Promise<void> => {
      // Parsed inside the promise: a malformed path or escape is a 400, never an exception out of the listener.
      let url: URL;
      let parts: string[];
      try {
        url = new URL(`https://blob.invalid${(req.url ?? '/').startsWith('/') ? req.url : '/'}`);
        parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      } catch {
        throw new DockyardError('InvalidQueryParameterValue', 'The request URI is invalid.');
      }
      const scope: SasScope = { account, container: parts[0] ?? '', blob: parts.slice(1).join('/') };
      if (!scope.blob || scope.blob.length > 1024) throw new DockyardError('BlobNotFound');
      if (scope.container === UPLOAD_CONTAINER && req.method === 'PUT')
        return putUpload(d, scope, req, res, url.searchParams);
      if (scope.container === LOG_CONTAINER && (req.method === 'GET' || head))
        return readLog(d, scope, req, res, url.searchParams);
      if (scope.container !== UPLOAD_CONTAINER && scope.container !== LOG_CONTAINER)
        throw new DockyardError('ContainerNotFound');
      throw new DockyardError('UnsupportedHttpVerb');
    };
    handle().catch((err: unknown) => {
      if (err instanceof DockyardError) for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
      sendBlobError(res, err, head, d.log);
    });
  };
}
