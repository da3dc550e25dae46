import { ReadCache } from './read-cache.js';
import type { RegistryTables } from './tables.js';

type ManifestRow = RegistryTables['reg_manifests'];
export type ServedManifest = Pick<ManifestRow, 'digest' | 'media_type' | 'size' | 'content'>;

/** The uncached reads behind the hot ones (RegistryMetadata). */
export interface MetadataLookups {
  blobLink(registry: string, repository: string, digest: string): Promise<{ size: number } | undefined>;
  resolve(registry: string, repository: string, ref: { tag: string } | { digest: string }): Promise<string | undefined>;
  getManifest(registry: string, repository: string, digest: string): Promise<ServedManifest | undefined>;
}

/** Manifests bigger than this are read from SQL every time (image indexes of many platforms stay well below). */
const MANIFEST_CACHE_MAX = 256 * 1024;

/**
 * The blob GET and manifest GET/HEAD reads, reused for at most READ_CACHE_TTL_MS (500 ms, the registry row's window)
 * and dropped at once by every metadata write of the registry on this node (RegistryMetadata calls `invalidate`
 * after each commit; GC after dropping links). So a blob, manifest or tag deleted here is 404 on the next request;
 * one deleted through another API node is 404 here within 500 ms. Only found rows are kept (a pushed tag is served
 * at once everywhere). Bounded: 10,000 blob links, 2,000 manifests / 16 MiB.
 */
export class HotReads {
  private readonly links = new ReadCache<{ size: number }>();
  private readonly manifests = new ReadCache<ServedManifest>({
    maxEntries: 2_000,
    maxBytes: 16 * 1024 * 1024,
    maxEntryBytes: MANIFEST_CACHE_MAX,
    sizeOf: (m) => m.content.length,
  });

  constructor(private readonly md: MetadataLookups) {}

  /** The repository's link to a blob (its size), as `blobLink`. */
  blobLink(registry: string, repository: string, digest: string): Promise<{ size: number } | undefined> {
    return this.links.get(registry, `${repository}\n${digest}`, () => this.md.blobLink(registry, repository, digest));
  }

  /** The manifest a tag or digest names in the repository (resolve + getManifest). */
  manifest(
    registry: string,
    repository: string,
    ref: { tag: string } | { digest: string },
  ): Promise<ServedManifest | undefined> {
    const key = 'tag' in ref ? `${repository}\nt:${ref.tag}` : `${repository}\nd:${ref.digest}`;
    return this.manifests.get(registry, key, async () => {
      const digest = await this.md.resolve(registry, repository, ref);
      return digest ? this.md.getManifest(registry, repository, digest) : undefined;
    });
  }

  /** Called after a write of the registry's metadata committed (and by GC after dropping links). */
  invalidate(registry: string): void {
    this.links.invalidate(registry);
    this.manifests.invalidate(registry);
  }

  /** After a write that may touch any registry (GC's link sweep). */
  invalidateAll(): void {
    this.links.invalidateAll();
    this.manifests.invalidateAll();
  }
}
