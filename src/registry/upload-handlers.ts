import type { Kysely } from 'kysely';
import { DockyardError, newGuid } from '../shared/index.js';
import { isRepositoryName, requireDigest } from './names.js';
import { contentLength, sendEmpty } from './http-util.js';
import { holds } from './access-control.js';
import type { RequestContext } from './context.js';
import type { RegistryTables } from './tables.js';

const rangeHeader = (size: number): string => `0-${Math.max(0, size - 1)}`;
const uploadUrl = (repository: string, id: string): string => `/v2/${repository}/blobs/uploads/${id}`;

async function commitAndLink(ctx: RequestContext, repository: string, id: string, digest: string): Promise<void> {
  const { deps, registry } = ctx;
  await deps.locks.link(digest, async () => {
    const info = await deps.blobs.commitUpload(id, digest);
    await deps.metadata.linkBlob(registry.name, repository, digest, info.size);
    deps.observer?.pushed(registry.name, 'blob', info.size);
  });
  await uploads(ctx).deleteFrom('reg_uploads').where('id', '=', id).execute();
  sendEmpty(ctx.res, 201, { location: `/v2/${repository}/blobs/${digest}`, 'docker-content-digest': digest });
}

const uploads = (ctx: RequestContext) => ctx.deps.metadata.db as Kysely<RegistryTables>;

async function session(ctx: RequestContext, repository: string, id: string): Promise<void> {
  const row = await uploads(ctx)
    .selectFrom('reg_uploads')
    .select(['registry', 'repository'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || row.registry !== ctx.registry.name || row.repository !== repository)
    throw new DockyardError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { detail: { uuid: id } });
}

/** `POST /v2/<name>/blobs/uploads/` — mount, monolithic upload (`?digest=`), or a new upload session. */
export async function startUpload(ctx: RequestContext, repository: string): Promise<void> {
  const { deps, registry, url, req, res } = ctx;
  const q = url.searchParams;
  const mount = q.get('mount');
  const from = q.get('from');
  if (mount) {
    const digest = requireDigest(mount);
    if (from && isRepositoryName(from) && (await holds(ctx, from, 'pull'))) {
      // The blob is checked inside the link window: GC on any node leaves it alone from there on.
      const mounted = await deps.locks.link(digest, async () => {
        const link = await deps.metadata.blobLink(registry.name, from, digest);
        if (!link || !(await deps.blobs.stat(digest))) return false;
        await deps.metadata.linkBlob(registry.name, repository, digest, link.size);
        return true;
      });
      if (mounted) {
        sendEmpty(res, 201, { location: `/v2/${repository}/blobs/${digest}`, 'docker-content-digest': digest });
        return;
      }
    }
  }
  const digestParam = q.get('digest');
  const declared = contentLength(req, deps.limits.maxBlobSize);
  const id = newGuid().replace(/-/g, '');
  if (digestParam) {
    const digest = requireDigest(digestParam);
    if (declared === undefined && req.headers['transfer-encoding'] === undefined)
      throw new DockyardError('SIZE_INVALID', 'Content-Length is required');
    // A session row while the bytes stream in: GC on another API node leaves the upload alone.
    await uploads(ctx)
      .insertInto('reg_uploads')
      .values({ id, registry: registry.name, repository, started_at: new Date().toISOString() })
      .execute();
    try {
      await deps.blobs.startUpload(id);
      await deps.blobs.appendUpload(id, req, { expectedLength: declared, maxSize: deps.limits.maxBlobSize });
      await deps.locks.link(digest, async () => {
        const info = await deps.blobs.commitUpload(id, digest);
        await deps.metadata.linkBlob(registry.name, repository, digest, info.size);
        deps.observer?.pushed(registry.name, 'blob', info.size);
      });
    } catch (err) {
      await deps.blobs.abortUpload(id).catch(() => undefined);
      throw err;
    } finally {
      await uploads(ctx).deleteFrom('reg_uploads').where('id', '=', id).execute();
    }
    sendEmpty(res, 201, { location: `/v2/${repository}/blobs/${digest}`, 'docker-content-digest': digest });
    return;
  }
  await deps.blobs.startUpload(id);
  await uploads(ctx)
    .insertInto('reg_uploads')
    .values({ id, registry: registry.name, repository, started_at: new Date().toISOString() })
    .execute();
  if (declared) await deps.blobs.appendUpload(id, req, { expectedLength: declared, maxSize: deps.limits.maxBlobSize });
  const st = await deps.blobs.uploadState(id);
  sendEmpty(res, 202, {
    location: uploadUrl(repository, id),
    range: rangeHeader(st?.size ?? 0),
    'docker-upload-uuid': id,
  });
}

/** `PATCH /v2/<name>/blobs/uploads/<id>` — a chunk; `Content-Range` must start where the upload ends. */
export async function patchUpload(ctx: RequestContext, repository: string, id: string): Promise<void> {
  const { deps, req, res } = ctx;
  await session(ctx, repository, id);
  const st = await deps.blobs.uploadState(id);
  if (!st) throw new DockyardError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { detail: { uuid: id } });
  const declared = contentLength(req, deps.limits.maxBlobSize);
  const cr = req.headers['content-range'];
  let expected = declared;
  if (cr !== undefined) {
    const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(String(cr).trim());
    if (!m) throw rangeError(id, st.size, 'invalid Content-Range');
    const start = Number(m[1]);
    const end = Number(m[2]);
    if (start !== st.size || end < start) throw rangeError(id, st.size, `Content-Range must start at ${st.size}`);
    const len = end - start + 1;
    if (declared !== undefined && declared !== len)
      throw new DockyardError('SIZE_INVALID', 'Content-Length does not match Content-Range');
    expected = len;
  }
  const next = await deps.blobs.appendUpload(id, req, { expectedLength: expected, maxSize: deps.limits.maxBlobSize });
  sendEmpty(res, 202, { location: uploadUrl(repository, id), range: rangeHeader(next.size), 'docker-upload-uuid': id });
}

function rangeError(id: string, size: number, message: string): DockyardError {
  return new DockyardError('RANGE_INVALID', message, {
    detail: { uuid: id },
    headers: { range: rangeHeader(size), 'docker-upload-uuid': id },
  });
}

/** `PUT /v2/<name>/blobs/uploads/<id>?digest=` — optional last chunk, then verify and commit. */
export async function finishUpload(ctx: RequestContext, repository: string, id: string): Promise<void> {
  const { deps, req, url } = ctx;
  await session(ctx, repository, id);
  const digest = requireDigest(url.searchParams.get('digest'));
  const declared = contentLength(req, deps.limits.maxBlobSize);
  try {
    if (declared || req.headers['transfer-encoding'])
      await deps.blobs.appendUpload(id, req, { expectedLength: declared, maxSize: deps.limits.maxBlobSize });
    await commitAndLink(ctx, repository, id, digest);
  } catch (err) {
    // A failed commit invalidates the session: nothing of it is kept.
    await deps.blobs.abortUpload(id).catch(() => undefined);
    await uploads(ctx).deleteFrom('reg_uploads').where('id', '=', id).execute();
    throw err;
  }
}

/** `GET /v2/<name>/blobs/uploads/<id>` — resumable upload status. */
export async function uploadStatus(ctx: RequestContext, repository: string, id: string): Promise<void> {
  await session(ctx, repository, id);
  const st = await ctx.deps.blobs.uploadState(id);
  if (!st) throw new DockyardError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry', { detail: { uuid: id } });
  sendEmpty(ctx.res, 204, {
    location: uploadUrl(repository, id),
    range: rangeHeader(st.size),
    'docker-upload-uuid': id,
  });
}

/** `DELETE /v2/<name>/blobs/uploads/<id>` — cancel. */
export async function cancelUpload(ctx: RequestContext, repository: string, id: string): Promise<void> {
  await session(ctx, repository, id);
  await ctx.deps.blobs.abortUpload(id);
  await uploads(ctx).deleteFrom('reg_uploads').where('id', '=', id).execute();
  sendEmpty(ctx.res, 204);
}
