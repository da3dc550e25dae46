import type { Transaction } from 'kysely';
import type { RegistryTables } from './tables.js';
import type { ManifestSummary } from './manifest-summary.js';

type ManifestRow = RegistryTables['reg_manifests'];
type Trx = Transaction<RegistryTables>;

/** The stored form of a summary (`summarized = 0` leaves the row to the backfill). */
export function summaryColumns(
  s: ManifestSummary | undefined,
): Pick<ManifestRow, 'image_size' | 'config_media_type' | 'architecture' | 'os' | 'summarized'> {
  if (!s) return { image_size: null, config_media_type: null, architecture: null, os: null, summarized: 0 };
  return {
    image_size: s.imageSize,
    config_media_type: s.configMediaType,
    architecture: s.architecture,
    os: s.os,
    summarized: 1,
  };
}

/** Records when a manifest lost its last tag (the retention policy counts from then). */
export async function markIfUntagged(
  trx: Trx,
  registry: string,
  repository: string,
  digest: string,
  now: string,
): Promise<void> {
  const tagged = await trx
    .selectFrom('reg_tags')
    .select('tag')
    .where('registry', '=', registry)
    .where('repository', '=', repository)
    .where('digest', '=', digest)
    .executeTakeFirst();
  if (!tagged)
    await trx
      .updateTable('reg_manifests')
      .set({ untagged_at: now })
      .where('registry', '=', registry)
      .where('repository', '=', repository)
      .where('digest', '=', digest)
      .execute();
}
