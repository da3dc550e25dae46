import type { BlobStore } from '../storage/index.js';

/** What `/acr/v1/<repo>/_manifests` shows about a manifest besides its row: stored at push time. */
export interface ManifestSummary {
  imageSize: number;
  configMediaType: string | null;
  architecture: string | null;
  os: string | null;
}

const MAX_CONFIG = 1024 * 1024;

/**
 * Size (config + layers + manifest) and platform (architecture/os from the config blob). Read once, when the manifest
 * is pushed (or, for rows stored before this existed, once by the backfill), never per listing.
 */
export async function summarizeManifest(content: Buffer, blobs: Pick<BlobStore, 'get'>): Promise<ManifestSummary> {
  let j: { config?: { digest?: string; size?: number; mediaType?: string }; layers?: Array<{ size?: number }> };
  try {
    j = JSON.parse(content.toString('utf8')) as typeof j;
  } catch {
    return { imageSize: content.length, configMediaType: null, architecture: null, os: null };
  }
  const layers = Array.isArray(j.layers) ? j.layers : [];
  const imageSize = (j.config?.size ?? 0) + layers.reduce((n, l) => n + (l?.size ?? 0), 0) + content.length;
  const out: ManifestSummary = { imageSize, configMediaType: null, architecture: null, os: null };
  const cfg = j.config;
  if (!cfg || typeof cfg.digest !== 'string' || (cfg.size ?? 0) > MAX_CONFIG) return out;
  out.configMediaType = typeof cfg.mediaType === 'string' ? cfg.mediaType : null;
  try {
    const got = await blobs.get(cfg.digest);
    if (!got) return out;
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of got.stream) {
      n += (c as Buffer).length;
      if (n > MAX_CONFIG) return out;
      chunks.push(c as Buffer);
    }
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { architecture?: unknown; os?: unknown };
    if (typeof parsed.architecture === 'string') out.architecture = parsed.architecture;
    if (typeof parsed.os === 'string') out.os = parsed.os;
  } catch {
    /* an unreadable or non-JSON config has no platform */
  }
  return out;
}
