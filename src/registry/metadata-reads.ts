import { sql, type Kysely } from 'kysely';
import { RegistryLocks } from './locks.js';
import type { SqlDatabase } from '../storage/index.js';
import type { RegistryTables } from './tables.js';

type ManifestRow = RegistryTables['reg_manifests'];

/** The registry metadata's read-only queries: point reads, listings (lock-aware), referrers and storage totals. */
export class MetadataReads {
  readonly db: Kysely<RegistryTables>;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<RegistryTables>;
  }

  async blobLink(registry: string, repository: string, digest: string): Promise<{ size: number } | undefined> {
    return this.db
      .selectFrom('reg_blob_links')
      .select('size')
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
  }

  async repositoryExists(registry: string, repository: string): Promise<boolean> {
    return Boolean(
      await this.db
        .selectFrom('reg_repositories')
        .select('name')
        .where('registry', '=', registry)
        .where('name', '=', repository)
        .executeTakeFirst(),
    );
  }

  async resolve(
    registry: string,
    repository: string,
    ref: { tag: string } | { digest: string },
  ): Promise<string | undefined> {
    if ('digest' in ref) return ref.digest;
    const t = await this.db
      .selectFrom('reg_tags')
      .select('digest')
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .where('tag', '=', ref.tag)
      .executeTakeFirst();
    return t?.digest;
  }

  async getManifest(
    registry: string,
    repository: string,
    digest: string,
  ): Promise<Pick<ManifestRow, 'digest' | 'media_type' | 'size' | 'content'> | undefined> {
    return this.db
      .selectFrom('reg_manifests')
      .select(['digest', 'media_type', 'size', 'content'])
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .executeTakeFirst();
  }

  async listTags(
    registry: string,
    repository: string,
    n: number | undefined,
    last: string | undefined,
  ): Promise<string[]> {
    let q = this.db
      .selectFrom('reg_tags')
      .select('tag')
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .where(RegistryLocks.visible('tag', 'reg_tags.registry', 'reg_tags.repository', 'reg_tags.tag'));
    if (last) q = q.where('tag', '>', last);
    q = q.orderBy('tag');
    if (n !== undefined) q = q.limit(n);
    return (await q.execute()).map((r) => r.tag);
  }

  async catalog(registry: string, n: number | undefined, last: string | undefined): Promise<string[]> {
    let q = this.db
      .selectFrom('reg_repositories')
      .select('name')
      .where('registry', '=', registry)
      .where(RegistryLocks.visible('repository', 'reg_repositories.registry', 'reg_repositories.name', null));
    if (last) q = q.where('name', '>', last);
    q = q.orderBy('name');
    if (n !== undefined) q = q.limit(n);
    return (await q.execute()).map((r) => r.name);
  }

  async referrers(
    registry: string,
    repository: string,
    subject: string,
  ): Promise<Array<Pick<ManifestRow, 'digest' | 'media_type' | 'size' | 'artifact_type' | 'annotations'>>> {
    return this.db
      .selectFrom('reg_manifests')
      .select(['digest', 'media_type', 'size', 'artifact_type', 'annotations'])
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .where('subject', '=', subject)
      .orderBy('created_at')
      .execute();
  }

  /** Bytes a registry stores: each distinct blob once (layers shared between repositories count once) plus manifests. */
  async storageBytesOf(registry: string): Promise<number> {
    const blobs = await sql<{
      total: number | null;
    }>`select sum(size) as total from (select max(size) as size from reg_blob_links where registry = ${registry} group by digest) as b`.execute(
      this.db,
    );
    const manifests = await sql<{
      total: number | null;
    }>`select sum(size) as total from (select max(size) as size from reg_manifests where registry = ${registry} group by digest) as m`.execute(
      this.db,
    );
    return Number(blobs.rows[0]?.total ?? 0) + Number(manifests.rows[0]?.total ?? 0);
  }

  /** Bytes each repository references (its blob links and manifests), largest first. */
  async repositoryBytes(registry: string): Promise<Array<{ repository: string; bytes: number }>> {
    const r = await sql<{ repository: string; bytes: number }>`
      select repository, sum(size) as bytes from (
        select repository, size from reg_blob_links where registry = ${registry}
        union all select repository, size from reg_manifests where registry = ${registry}) as u
      group by repository order by bytes desc, repository limit 500`.execute(this.db);
    return r.rows.map((x) => ({ repository: x.repository, bytes: Number(x.bytes) }));
  }

  /**
   * Bytes each registry holds: its distinct blobs (a blob linked from two repositories counts once) plus its manifests.
   * A blob shared by two registries is stored once on disk but counts in both. One grouped query per scrape.
   */
  async storageBytes(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const blobs = await sql<{
      registry: string;
      bytes: number;
    }>`SELECT registry, SUM(size) AS bytes FROM (SELECT DISTINCT registry, digest, size FROM reg_blob_links) AS d GROUP BY registry`.execute(
      this.db,
    );
    for (const r of blobs.rows) out.set(r.registry, Number(r.bytes));
    const manifests = await this.db
      .selectFrom('reg_manifests')
      .select(['registry', (eb) => eb.fn.sum<number>('size').as('bytes')])
      .groupBy('registry')
      .execute();
    for (const r of manifests) out.set(r.registry, (out.get(r.registry) ?? 0) + Number(r.bytes));
    return out;
  }

  /** Open chunked-upload sessions (`POST` without `?digest=` until `PUT` or `DELETE`). */
  async uploadSessionCount(): Promise<number> {
    const r = await this.db
      .selectFrom('reg_uploads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
