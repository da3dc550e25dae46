import { pipeline } from 'node:stream/promises';
import { DockyardError } from '../shared/index.js';
import { requireDigest } from './names.js';
import { sendEmpty } from './http-util.js';
import type { RequestContext } from './context.js';
import { readSmallBlob, SMALL_BLOB_MAX } from './small-blobs.js';
import { sendBlobRange } from './blob-send.js';

function parseRange(header: string, size: number): { start: number; end: number } | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === ''))
    throw new DockyardError('RANGE_INVALID', 'invalid Range header', {
      headers: { 'content-range': `bytes */${size}` },
    });
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size)
    throw new DockyardError('RANGE_INVALID', 'requested range not satisfiable', {
      headers: { 'content-range': `bytes */${size}` },
    });
  return { start, end };
}

/** `GET|HEAD /v2/<name>/blobs/<digest>` (with Range support). */
export async function getBlob(ctx: RequestContext, repository: string, digestParam: string): Promise<void> {
  const digest = requireDigest(digestParam);
  const { deps, registry, req, res } = ctx;
  await deps.repoLocks.check(registry.name, repository, 'read');
  const link = await deps.metadata.hot.blobLink(registry.name, repository, digest);
  if (!link) throw new DockyardError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'docker-content-digest': digest,
    etag: `"${digest}"`,
    'accept-ranges': 'bytes',
    'cache-control': 'max-age=31536000',
  };
  if (req.method === 'HEAD') {
    const st = await deps.blobs.stat(digest);
    if (!st) throw new DockyardError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
    // A client that sees the blob will reference it next: restart the link's GC grace period.
    await deps.metadata.touchBlob(registry.name, repository, digest);
    res.writeHead(200, { ...headers, 'content-length': String(st.size) });
    res.end();
    return;
  }
  const rangeHeader = req.headers.range;
  const range = rangeHeader ? parseRange(rangeHeader, link.size) : undefined;
  if (link.size <= SMALL_BLOB_MAX) {
    // Small blobs: one buffer from memory (after the first read), one write; no file handle or stream per request.
    const data = await readSmallBlob(deps.blobs, digest, link.size);
    if (!data) throw new DockyardError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
    if (range) {
      const end = Math.min(range.end, data.length - 1);
      res.writeHead(206, {
        ...headers,
        'content-length': String(end - range.start + 1),
        'content-range': `bytes ${range.start}-${end}/${data.length}`,
      });
      res.end(data.subarray(range.start, end + 1));
      deps.observer?.pulled(registry.name, 'blob', end - range.start + 1);
    } else {
      res.writeHead(200, { ...headers, 'content-length': String(data.length) });
      res.end(data);
      deps.observer?.pulled(registry.name, 'blob', data.length);
    }
    return;
  }
  const reader = deps.blobs.openReader ? await deps.blobs.openReader(digest) : undefined;
  if (reader === null) throw new DockyardError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
  if (reader) {
    // Files: read into pooled buffers and write them to the socket (no stream, no buffer allocated per chunk).
    try {
      const size = reader.info.size;
      const start = range?.start ?? 0;
      const end = range ? Math.min(range.end, size - 1) : size - 1;
      res.writeHead(range ? 206 : 200, {
        ...headers,
        'content-length': String(end - start + 1),
        ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
      if (await sendBlobRange(reader, res, start, end, ctx.signal))
        deps.observer?.pulled(registry.name, 'blob', end - start + 1);
    } finally {
      await reader.close();
    }
    return;
  }
  const got = await deps.blobs.get(digest, range ?? undefined);
  if (!got) throw new DockyardError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
  if (range) {
    res.writeHead(206, {
      ...headers,
      'content-length': String(range.end - range.start + 1),
      'content-range': `bytes ${range.start}-${range.end}/${got.info.size}`,
    });
  } else {
    res.writeHead(200, { ...headers, 'content-length': String(got.info.size) });
  }
  const sent = range ? range.end - range.start + 1 : got.info.size;
  await pipeline(got.stream, res).then(
    () => deps.observer?.pulled(registry.name, 'blob', sent),
    () => res.destroy(),
  );
}

/** `DELETE /v2/<name>/blobs/<digest>`: unlinks the blob from the repository; GC frees the bytes later. */
export async function deleteBlob(ctx: RequestContext, repository: string, digestParam: string): Promise<void> {
  const digest = requireDigest(digestParam);
  if (!(await ctx.deps.metadata.unlinkBlob(ctx.registry.name, repository, digest))) {
    throw new DockyardError('BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digest } });
  }
  sendEmpty(ctx.res, 202, { 'docker-content-digest': digest });
}
