import { DockyardError } from '../shared/index.js';
import { isTag, parseReference } from './names.js';
import { readBody, sendEmpty } from './http-util.js';
import { parseManifest } from './manifest-parse.js';
import { summarizeManifest } from './manifest-summary.js';
import type { Kysely } from 'kysely';
import { requestInfo, type RequestContext } from './context.js';
import type { RegistryTables } from './tables.js';

const eventCtx = (ctx: RequestContext) => ({
  registry: ctx.registry.name,
  loginServer: ctx.registry.loginServer,
  request: requestInfo(ctx),
});

/** `GET|HEAD /v2/<name>/manifests/<reference>`. */
export async function getManifest(ctx: RequestContext, repository: string, reference: string): Promise<void> {
  const { deps, registry, req, res } = ctx;
  // distribution-spec v1.1.1: a GET/HEAD of a reference that is not a valid tag is simply unknown (PUT keeps TAG_INVALID).
  if (!reference.includes(':') && !isTag(reference)) {
    throw new DockyardError('MANIFEST_UNKNOWN', 'manifest unknown to registry', {
      detail: { name: repository, reference },
    });
  }
  const ref = parseReference(reference);
  const m = await deps.metadata.hot.manifest(registry.name, repository, ref);
  if (!m)
    throw new DockyardError('MANIFEST_UNKNOWN', 'manifest unknown to registry', {
      detail: { name: repository, reference },
    });
  await deps.repoLocks.check(registry.name, repository, 'read', {
    tags: 'tag' in ref ? [ref.tag] : [],
    manifests: [m.digest],
  });
  res.writeHead(200, {
    'content-type': m.media_type,
    'content-length': String(m.size),
    'docker-content-digest': m.digest,
    etag: `"${m.digest}"`,
  });
  if (req.method === 'HEAD') return void res.end();
  res.end(m.content);
  deps.observer?.pulled(registry.name, 'manifest', m.size);
}

/** `PUT /v2/<name>/manifests/<reference>`: validates, stores, tags, emits `image.pushed`. */
export async function putManifest(ctx: RequestContext, repository: string, reference: string): Promise<void> {
  const { deps, req, res } = ctx;
  const ref = parseReference(reference);
  const body = await readBody(req, deps.limits.maxManifestSize);
  const parsed = parseManifest(body, req.headers['content-type']);
  if ('digest' in ref && ref.digest !== parsed.digest) {
    throw new DockyardError('DIGEST_INVALID', 'manifest digest did not match the reference', {
      detail: { expected: ref.digest, actual: parsed.digest },
    });
  }
  await deps.repoLocks.check(ctx.registry.name, repository, 'write', { tags: 'tag' in ref ? [ref.tag] : [] });
  const summary = await summarizeManifest(body, deps.blobs);
  await deps.metadata.putManifest(eventCtx(ctx), repository, parsed, body, 'tag' in ref ? ref.tag : undefined, summary);
  deps.observer?.pushed(ctx.registry.name, 'manifest', body.length);
  const headers: Record<string, string> = {
    location: `/v2/${repository}/manifests/${parsed.digest}`,
    'docker-content-digest': parsed.digest,
  };
  if (parsed.subject) headers['oci-subject'] = parsed.subject;
  sendEmpty(res, 201, headers);
}

/** `DELETE /v2/<name>/manifests/<digest|tag>`: a digest deletes the manifest (and its tags); a tag only the tag. */
export async function deleteManifest(ctx: RequestContext, repository: string, reference: string): Promise<void> {
  const ref = parseReference(reference);
  const items =
    'digest' in ref
      ? { manifests: [ref.digest], tags: await tagsOf(ctx, repository, ref.digest) }
      : { tags: [ref.tag] };
  await ctx.deps.repoLocks.check(ctx.registry.name, repository, 'delete', items);
  const ok =
    'digest' in ref
      ? await ctx.deps.metadata.deleteManifest(eventCtx(ctx), repository, ref.digest)
      : await ctx.deps.metadata.deleteTag(eventCtx(ctx), repository, ref.tag);
  if (!ok)
    throw new DockyardError('MANIFEST_UNKNOWN', 'manifest unknown to registry', {
      detail: { name: repository, reference },
    });
  await ctx.deps.repoLocks.forget(ctx.registry.name, repository, items);
  sendEmpty(ctx.res, 202);
}

/** The tags pointing at a manifest (deleting the manifest deletes them, so their locks count). */
export async function tagsOf(ctx: RequestContext, repository: string, digest: string): Promise<string[]> {
  const db = ctx.deps.metadata.db as Kysely<RegistryTables>;
  const rows = await db
    .selectFrom('reg_tags')
    .select('tag')
    .where('registry', '=', ctx.registry.name)
    .where('repository', '=', repository)
    .where('digest', '=', digest)
    .execute();
  return rows.map((r) => r.tag);
}
