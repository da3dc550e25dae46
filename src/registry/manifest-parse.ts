import { DockyardError, parseDigest, sha256Digest } from '../shared/index.js';
import { MANIFEST_MEDIA_TYPES, MT, isIndexType } from './media-types.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: Record<string, unknown>;
}

export interface ParsedManifest {
  digest: string;
  mediaType: string;
  /** Layers and config (must be linked in the repository). */
  blobs: Descriptor[];
  /** Child manifests of an index (must exist in the repository). */
  manifests: Descriptor[];
  subject: string | null;
  artifactType: string | null;
  annotations: Record<string, string> | null;
  configMediaType: string | null;
}

const invalid = (message: string): DockyardError => new DockyardError('MANIFEST_INVALID', message);

function descriptor(v: unknown, where: string): Descriptor {
  if (!v || typeof v !== 'object') throw invalid(`${where} is not a descriptor`);
  const d = v as Record<string, unknown>;
  if (typeof d.mediaType !== 'string' || !d.mediaType) throw invalid(`${where}.mediaType is required`);
  if (typeof d.digest !== 'string' || !parseDigest(d.digest)) throw invalid(`${where}.digest is invalid`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
    throw invalid(`${where}.size is invalid`);
  return d as unknown as Descriptor;
}

/**
 * Parses and validates a manifest body. The media type comes from the body's `mediaType`, else the request's
 * Content-Type; both must agree when both are given.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid('manifest is not valid JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw invalid('manifest must be a JSON object');
  const ct = contentType?.split(';')[0].trim();
  const bodyType = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  if (bodyType && ct && ct !== bodyType && MANIFEST_MEDIA_TYPES.includes(ct))
    throw invalid(`mediaType ${bodyType} does not match Content-Type ${ct}`);
  let mediaType = bodyType ?? (ct && MANIFEST_MEDIA_TYPES.includes(ct) ? ct : undefined);
  if (!mediaType) mediaType = Array.isArray(json.manifests) ? MT.ociIndex : MT.ociManifest;
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) throw invalid(`unsupported manifest media type ${mediaType}`);
  if (json.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  const out: ParsedManifest = {
    digest: sha256Digest(body),
    mediaType,
    blobs: [],
    manifests: [],
    subject: null,
    artifactType: typeof json.artifactType === 'string' ? json.artifactType : null,
    annotations:
      json.annotations && typeof json.annotations === 'object' ? (json.annotations as Record<string, string>) : null,
    configMediaType: null,
  };
  if (json.subject !== undefined) out.subject = descriptor(json.subject, 'subject').digest;
  if (isIndexType(mediaType)) {
    if (!Array.isArray(json.manifests)) throw invalid('manifests must be an array');
    out.manifests = json.manifests.map((m, i) => descriptor(m, `manifests[${i}]`));
  } else {
    const config = descriptor(json.config, 'config');
    if (!Array.isArray(json.layers)) throw invalid('layers must be an array');
    out.blobs = [config, ...json.layers.map((l, i) => descriptor(l, `layers[${i}]`))];
    out.configMediaType = config.mediaType;
    if (
      !out.artifactType &&
      config.mediaType !== MT.ociEmpty &&
      mediaType === MT.ociManifest &&
      !config.mediaType.startsWith('application/vnd.oci.image.config')
    ) {
      out.artifactType = config.mediaType;
    }
  }
  // Same digest listed twice is fine; keep one check per digest.
  out.blobs = dedupe(out.blobs);
  out.manifests = dedupe(out.manifests);
  return out;
}

function dedupe(ds: Descriptor[]): Descriptor[] {
  const seen = new Map<string, Descriptor>();
  for (const d of ds) {
    const prev = seen.get(d.digest);
    if (prev && prev.size !== d.size) throw invalid(`descriptor ${d.digest} appears with different sizes`);
    seen.set(d.digest, d);
  }
  return [...seen.values()];
}
