import type { Kysely } from 'kysely';
import type { Logger } from '../shared/index.js';
import type { RegistryMetadata } from './metadata.js';
import type { RegistryDirectory } from './ports.js';
import type { RegistryTables } from './tables.js';

/**
 * The retention policy pass of GC: in each registry whose `retentionPolicy` is enabled, a manifest with no tag whose
 * untagged time (or, if it never had a tag, its push time) is older than `days` is deleted like a manifest DELETE
 * (outbox `image.deleted`, so delete webhooks fire). Kept: manifests another manifest of the repository references
 * (an index's children), referrers (they have a subject), and locked manifests.
 *
 * Locks: GC passes `isLocked`, answered from the changeable attributes (deleteEnabled / writeEnabled false on the
 * manifest, its repository or one of its tags keeps it; src/registry/locks.ts).
 */
export async function expireUntaggedManifests(
  metadata: RegistryMetadata,
  directory: RegistryDirectory,
  now: number,
  log: Logger,
  isLocked: (registry: string, repository: string, digest: string) => Promise<boolean> = async () => false,
): Promise<number> {
  const db = metadata.db as Kysely<RegistryTables>;
  let expired = 0;
  const registries = (await db.selectFrom('reg_manifests').select('registry').distinct().execute()).map(
    (r) => r.registry,
  );
  for (const name of registries) {
    const info = await directory.byName(name);
    const policy = info?.retentionPolicy;
    if (!info || !policy || policy.status !== 'enabled') continue;
    const cutoff = new Date(now - policy.days * 86_400_000).toISOString();
    const candidates = await db
      .selectFrom('reg_manifests as m')
      .select(['m.repository', 'm.digest'])
      .where('m.registry', '=', name)
      .where('m.subject', 'is', null)
      .where((eb) => eb.fn.coalesce('m.untagged_at', 'm.created_at'), '<', cutoff)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('reg_tags as t')
              .select('t.tag')
              .whereRef('t.registry', '=', 'm.registry')
              .whereRef('t.repository', '=', 'm.repository')
              .whereRef('t.digest', '=', 'm.digest'),
          ),
        ),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('reg_manifest_refs as r')
              .select('r.ref')
              .whereRef('r.registry', '=', 'm.registry')
              .whereRef('r.repository', '=', 'm.repository')
              .whereRef('r.ref', '=', 'm.digest'),
          ),
        ),
      )
      .execute();
    for (const c of candidates) {
      if (await isLocked(name, c.repository, c.digest)) continue;
      if (await metadata.deleteManifest({ registry: name, loginServer: info.loginServer }, c.repository, c.digest))
        expired++;
    }
    if (candidates.length)
      log.info({ registry: name, expired, days: policy.days }, 'retention policy deleted untagged manifests');
  }
  return expired;
}
