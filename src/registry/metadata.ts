import { type Kysely, type Transaction } from 'kysely';
import { DockyardError } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import { writeEvent } from '../events/index.js';
import type { RegistryTables } from './tables.js';
import type { ParsedManifest } from './manifest-parse.js';
import type { ManifestSummary } from './manifest-summary.js';
import { MetadataReads } from './metadata-reads.js';
import { markIfUntagged, summaryColumns } from './metadata-rows.js';
import { HotReads } from './hot-reads.js';

export type ManifestRow = RegistryTables['reg_manifests'];
type Db = Kysely<RegistryTables>;
type Trx = Transaction<RegistryTables>;

export interface EventContext {
  registry: string;
  loginServer: string;
  /** The data-plane request that caused the change (webhook payloads carry it as `request`). */
  request?: EventRequest;
}

/** ACR's webhook `request` block: id, host, method, useragent. */
export interface EventRequest {
  id: string;
  host: string;
  method: string;
  useragent: string;
}

const requestOf = (ctx: EventContext) => (ctx.request ? { request: ctx.request } : {});

/** Repository, manifest, tag and blob-link metadata; every change runs in one transaction with its outbox event. */
export class RegistryMetadata extends MetadataReads {
  /** The data plane's GET reads, reused for ≤ 500 ms; every write below invalidates its registry once it committed. */
  readonly hot = new HotReads(this);

  constructor(db: SqlDatabase) {
    super(db);
  }

  /** A transaction writing `registry`'s metadata; its hot reads are dropped once it is over (committed or not). */
  private async write<T>(registry: string, body: (trx: Trx) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction().execute(body);
    } finally {
      this.hot.invalidate(registry);
    }
  }

  private async ensureRepository(trx: Trx | Db, registry: string, repository: string, now: string): Promise<void> {
    await trx
      .insertInto('reg_repositories')
      .values({ registry, name: repository, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['registry', 'name']).doUpdateSet({ updated_at: now }))
      .execute();
  }

  /** Records that a blob is available in a repository (after upload or mount); restarts its GC grace period. */
  async linkBlob(registry: string, repository: string, digest: string, size: number): Promise<void> {
    const now = new Date().toISOString();
    await this.write(registry, async (trx) => {
      await this.ensureRepository(trx, registry, repository, now);
      await trx
        .insertInto('reg_blob_links')
        .values({ registry, repository, digest, size, touched_at: now })
        .onConflict((oc) => oc.columns(['registry', 'repository', 'digest']).doUpdateSet({ touched_at: now, size }))
        .execute();
    });
  }

  async touchBlob(registry: string, repository: string, digest: string): Promise<void> {
    await this.db
      .updateTable('reg_blob_links')
      .set({ touched_at: new Date().toISOString() })
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .execute();
  }

  async unlinkBlob(registry: string, repository: string, digest: string): Promise<boolean> {
    const r = await this.write(registry, (trx) =>
      trx
        .deleteFrom('reg_blob_links')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .executeTakeFirst(),
    );
    return Number(r.numDeletedRows) > 0;
  }

  /**
   * Stores a manifest (and optionally tags it) after checking that every referenced blob is linked in the
   * repository with the declared size and every referenced child manifest exists. Writes `image.pushed`.
   */
  async putManifest(
    ctx: EventContext,
    repository: string,
    m: ParsedManifest,
    content: Buffer,
    tag: string | undefined,
    summary?: ManifestSummary,
  ): Promise<void> {
    const registry = ctx.registry;
    const now = new Date().toISOString();
    await this.write(registry, async (trx) => {
      const missing: string[] = [];
      for (const b of m.blobs) {
        const link = await trx
          .selectFrom('reg_blob_links')
          .select('size')
          .where('registry', '=', registry)
          .where('repository', '=', repository)
          .where('digest', '=', b.digest)
          .executeTakeFirst();
        if (!link) missing.push(b.digest);
        else if (b.size !== link.size)
          throw new DockyardError('MANIFEST_INVALID', `size of ${b.digest} is ${link.size}, manifest says ${b.size}`, {
            detail: { digest: b.digest },
          });
      }
      for (const c of m.manifests) {
        const row = await trx
          .selectFrom('reg_manifests')
          .select('size')
          .where('registry', '=', registry)
          .where('repository', '=', repository)
          .where('digest', '=', c.digest)
          .executeTakeFirst();
        if (!row) missing.push(c.digest);
        else if (c.size !== row.size)
          throw new DockyardError('MANIFEST_INVALID', `size of ${c.digest} is ${row.size}, manifest says ${c.size}`, {
            detail: { digest: c.digest },
          });
      }
      if (missing.length)
        throw new DockyardError('MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { detail: { digests: missing } });
      await this.ensureRepository(trx, registry, repository, now);
      await trx
        .insertInto('reg_manifests')
        .values({
          registry,
          repository,
          digest: m.digest,
          media_type: m.mediaType,
          artifact_type: m.artifactType,
          subject: m.subject,
          size: content.length,
          content,
          annotations: m.annotations ? JSON.stringify(m.annotations) : null,
          created_at: now,
          untagged_at: null,
          ...summaryColumns(summary),
        })
        .onConflict((oc) => oc.columns(['registry', 'repository', 'digest']).doNothing())
        .execute();
      const refs = [
        ...m.blobs.map((b) => ({ ref: b.digest, kind: 'blob' })),
        ...m.manifests.map((c) => ({ ref: c.digest, kind: 'manifest' })),
      ];
      for (const r of refs) {
        await trx
          .insertInto('reg_manifest_refs')
          .values({ registry, repository, manifest: m.digest, ref: r.ref, kind: r.kind })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      if (tag) {
        const previous = await trx
          .selectFrom('reg_tags')
          .select('digest')
          .where('registry', '=', registry)
          .where('repository', '=', repository)
          .where('tag', '=', tag)
          .executeTakeFirst();
        await trx
          .updateTable('reg_manifests')
          .set({ untagged_at: null })
          .where('registry', '=', registry)
          .where('repository', '=', repository)
          .where('digest', '=', m.digest)
          .execute();
        await trx
          .insertInto('reg_tags')
          .values({ registry, repository, tag, digest: m.digest, created_at: now, updated_at: now })
          .onConflict((oc) =>
            oc.columns(['registry', 'repository', 'tag']).doUpdateSet({ digest: m.digest, updated_at: now }),
          )
          .execute();
        if (previous && previous.digest !== m.digest)
          await markIfUntagged(trx, registry, repository, previous.digest, now);
      }
      await writeEvent(trx, 'image.pushed', {
        registry,
        loginServer: ctx.loginServer,
        repository,
        tag: tag ?? null,
        digest: m.digest,
        mediaType: m.mediaType,
        size: content.length,
        ...requestOf(ctx),
      });
    });
  }

  /** Deletes a manifest and every tag pointing at it. Writes `image.deleted`. Returns false when it did not exist. */
  async deleteManifest(ctx: EventContext, repository: string, digest: string): Promise<boolean> {
    const registry = ctx.registry;
    return this.write(registry, async (trx) => {
      const row = await trx
        .selectFrom('reg_manifests')
        .select('media_type')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .executeTakeFirst();
      if (!row) return false;
      const tags = await trx
        .selectFrom('reg_tags')
        .select('tag')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .execute();
      await trx
        .deleteFrom('reg_tags')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .execute();
      await trx
        .deleteFrom('reg_manifest_refs')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('manifest', '=', digest)
        .execute();
      await trx
        .deleteFrom('reg_manifests')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('digest', '=', digest)
        .execute();
      // `kind` tells a manifest delete from a tag delete; `primary` marks one event per deleted manifest.
      const base = {
        registry,
        loginServer: ctx.loginServer,
        repository,
        digest,
        mediaType: row.media_type,
        kind: 'manifest',
        tags: tags.map((t) => t.tag),
        ...requestOf(ctx),
      };
      if (tags.length === 0) await writeEvent(trx, 'image.deleted', { ...base, tag: null, primary: true });
      for (const [i, t] of tags.entries())
        await writeEvent(trx, 'image.deleted', { ...base, tag: t.tag, primary: i === 0 });
      return true;
    });
  }

  /** Removes a tag (the manifest stays). Writes `image.deleted` with the tag. */
  async deleteTag(ctx: EventContext, repository: string, tag: string): Promise<boolean> {
    const registry = ctx.registry;
    return this.write(registry, async (trx) => {
      const row = await trx
        .selectFrom('reg_tags')
        .select('digest')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('tag', '=', tag)
        .executeTakeFirst();
      if (!row) return false;
      await trx
        .deleteFrom('reg_tags')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('tag', '=', tag)
        .execute();
      await markIfUntagged(trx, registry, repository, row.digest, new Date().toISOString());
      const m = await trx
        .selectFrom('reg_manifests')
        .select('media_type')
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .where('digest', '=', row.digest)
        .executeTakeFirst();
      await writeEvent(trx, 'image.deleted', {
        registry,
        loginServer: ctx.loginServer,
        repository,
        tag,
        digest: row.digest,
        mediaType: m?.media_type ?? null,
        kind: 'tag',
        primary: false,
        ...requestOf(ctx),
      });
      return true;
    });
  }

  /** Deletes a repository with its manifests, tags and blob links. Returns what was deleted. */
  async deleteRepository(
    ctx: EventContext,
    repository: string,
  ): Promise<{ manifestsDeleted: string[]; tagsDeleted: string[] } | null> {
    const registry = ctx.registry;
    return this.write(registry, async (trx) => {
      const repo = await trx
        .selectFrom('reg_repositories')
        .select('name')
        .where('registry', '=', registry)
        .where('name', '=', repository)
        .executeTakeFirst();
      if (!repo) return null;
      const manifests = await trx
        .selectFrom('reg_manifests')
        .select(['digest', 'media_type'])
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .execute();
      const tags = await trx
        .selectFrom('reg_tags')
        .select(['tag', 'digest'])
        .where('registry', '=', registry)
        .where('repository', '=', repository)
        .execute();
      for (const t of ['reg_tags', 'reg_manifest_refs', 'reg_manifests', 'reg_blob_links'] as const) {
        await trx.deleteFrom(t).where('registry', '=', registry).where('repository', '=', repository).execute();
      }
      await trx
        .deleteFrom('reg_repositories')
        .where('registry', '=', registry)
        .where('name', '=', repository)
        .execute();
      const types = new Map(manifests.map((m) => [m.digest, m.media_type]));
      for (const m of manifests) {
        const mTags = tags.filter((t) => t.digest === m.digest);
        const names = mTags.map((t) => t.tag);
        for (const [i, tag] of (names.length ? names : [null]).entries()) {
          await writeEvent(trx, 'image.deleted', {
            registry,
            loginServer: ctx.loginServer,
            repository,
            tag,
            digest: m.digest,
            mediaType: types.get(m.digest) ?? null,
            kind: 'repository',
            tags: names,
            primary: i === 0,
            ...requestOf(ctx),
          });
        }
      }
      return { manifestsDeleted: manifests.map((m) => m.digest), tagsDeleted: tags.map((t) => t.tag) };
    });
  }

  /** Removes everything a deleted registry owned (blobs are then collected by GC). */
  async purgeRegistry(registry: string): Promise<void> {
    await this.write(registry, async (trx) => {
      for (const t of [
        'reg_tags',
        'reg_manifest_refs',
        'reg_manifests',
        'reg_blob_links',
        'reg_uploads',
        'reg_repositories',
      ] as const) {
        await trx.deleteFrom(t).where('registry', '=', registry).execute();
      }
    });
  }
}
