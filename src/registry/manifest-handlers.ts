import { DockyardError } from '../shared/index.js';
import { isTag, parseReference } from './names.js';
import { readBody, sendEmpty } from './http-util.js';
import { parseManifest } from './manifest-parse.js';
import { requestInfo, type RequestContext } from './context.js';

const eventCtx = (ctx: RequestContext) => ({ registry: ctx.registry.name, loginServer: ctx.registry.loginServer, request: requestInfo(ctx) });

/** `GET|HEAD /v2/<name>/manifests/<reference>`. */
export async function getManifest(ctx: RequestContext, repository: string, reference: string): Promise<void> {
  const { deps, registry, req, res } = ctx;
  // distribution-spec v1.1.1: a GET/HEAD of a reference that is not a valid tag is simply unknown (PUT keeps TAG_INVALID).
  if (!reference.includes(':') && !isTag(reference)) {
    throw new DockyardError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { name: repository, reference } });
  }
  const ref = parseReference(reference);
  const digest = await deps.metadata.resolve(registry.name, repository, ref);
  const m = digest ? await deps.metadata.getManifest(registry.name, repository, digest) : undefined;
  if (!m) throw new DockyardError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { name: repository, reference } });
  res.writeHead(200, { 'content-type': m.media_type, 'content-length': String(m.size), 'docker-content-digest': m.digest, etag: `"${m.digest}"` });
  res.end(req.method === 'HEAD' ? undefined : m.content);
}

/** `PUT /v2/<name>/manifests/<reference>`: validates, stores, tags, emits `image.pushed`. */
export async function putManifest(ctx: RequestContext, repository: string, reference: string): Promise<void> {
  const { deps, req, res } = ctx;
  const ref = parseReference(reference);
  const body = await readBody(req, deps.limits.maxManifestSize);
  const parsed = parseManifest(body, req.headers['content-type']);
  if ('digest' in ref && ref.digest !== parsed.digest) {
    throw new DockyardError('DIGEST_INVALID', 'manifest digest did not match the reference', { detail: { expected: ref.digest, actual: parsed.digest } });
  }
  await deps.metadata.putManifest(eventCtx(ctx), repository, parsed, body, 'tag' in ref ? ref.tag : undefined);
  const headers: Record<string, string> = { location: `/v2/${repository}/manifests/${parsed.digest}`, 'docker-content-digest': parsed.digest };
  if (parsed.subject) headers['oci-subject'] = parsed.subject;
  sendEmpty(res, 201, headers);
}

/** `DELETE /v2/<name>/manifests/<digest|tag>`: a digest deletes the manifest (and its tags); a tag only the tag. */
export async function deleteManifest(ctx: RequestContext, repository: string, reference: string): Promise<void> {
  const ref = parseReference(reference);
  const ok = 'digest' in ref ? await ctx.deps.metadata.deleteManifest(eventCtx(ctx), repository, ref.digest) : await ctx.deps.metadata.deleteTag(eventCtx(ctx), repository, ref.tag);
  if (!ok) throw new DockyardError('MANIFEST_UNKNOWN', 'manifest unknown to registry', { detail: { name: repository, reference } });
  sendEmpty(ctx.res, 202);
}
