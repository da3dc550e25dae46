import type { Kysely } from 'kysely';
import type { SqlDatabase } from '../../storage/index.js';
import { DockyardError, newSecret } from '../../shared/index.js';
import type { TaskTables } from '../resources/tables.js';
import { secretMatchesHash, sha256Hex } from '../runs/run-leases.js';

export type PoolRow = TaskTables['agent_pools'];

export const POOL_NAME_RE = /^[a-zA-Z0-9-]{3,20}$/;
export const POOL_TIERS = ['S1', 'S2', 'S3', 'I6'] as const;
/** Most agents one pool may have leasing at once (ACR's default quota is 16 vCPU; Dockyard bounds the count). */
export const MAX_POOL_COUNT = 64;
/** How long a deleted pool stays visible as `Deleting` (az GETs it right after DELETE and fails on a 404 then). */
export const DELETING_MS = 5000;

export interface PoolRegistry {
  id: string;
  name: string;
  location: string;
}

export interface PoolInput {
  location?: string;
  tags?: Record<string, string>;
  count?: number;
  tier?: string;
  os?: string;
  subnetId?: string | null;
}

function checkCount(count: unknown): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_POOL_COUNT)
    throw new DockyardError('InvalidParameter', `The agent pool count must be an integer from 0 to ${MAX_POOL_COUNT}.`);
  return count;
}

function checkTags(tags: unknown): Record<string, string> {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags))
    throw new DockyardError('InvalidParameter', "'tags' must be an object.");
  const out: Record<string, string> = {};
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > 50) throw new DockyardError('InvalidParameter', 'At most 50 tags are allowed.');
  for (const [k, v] of entries) {
    if (k.length > 512 || String(v).length > 256)
      throw new DockyardError('InvalidParameter', 'Tag names are at most 512 and values 256 characters.');
    out[k] = String(v);
  }
  return out;
}

/** Agent pools (`registries/{r}/agentPools/{p}`) and their agent credentials (stored as sha256 only). */
export class PoolStore {
  private readonly db: Kysely<TaskTables>;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<TaskTables>;
  }

  private async row(registry: string, name: string): Promise<PoolRow | null> {
    const id = `${registry}/agentPools/${name}`.toLowerCase();
    const r = await this.db.selectFrom('agent_pools').selectAll().where('id_lower', '=', id).executeTakeFirst();
    if (!r) return null;
    if (r.deleted_at && Date.now() - Date.parse(r.deleted_at) > DELETING_MS) {
      await this.db.deleteFrom('agent_pools').where('id_lower', '=', id).execute();
      return null;
    }
    return r;
  }

  /** The pool, or null (a deleted one is visible as Deleting for a few seconds). */
  get(reg: PoolRegistry, name: string): Promise<PoolRow | null> {
    return this.row(reg.id, name);
  }

  /** The pool's row as stored now (count changes, deletion), or null once it is being deleted. */
  async reread(pool: PoolRow): Promise<PoolRow | null> {
    const r = await this.db
      .selectFrom('agent_pools')
      .selectAll()
      .where('id_lower', '=', pool.id_lower)
      .executeTakeFirst();
    return r && !r.deleted_at ? r : null;
  }

  /** A usable pool (not being deleted) or ResourceNotFound. */
  async require(reg: PoolRegistry, name: string): Promise<PoolRow> {
    const r = await this.row(reg.id, name);
    if (!r || r.deleted_at)
      throw new DockyardError('ResourceNotFound', `The agent pool '${name}' was not found in registry '${reg.name}'.`);
    return r;
  }

  async list(reg: PoolRegistry): Promise<PoolRow[]> {
    const rows = await this.db
      .selectFrom('agent_pools')
      .select('name')
      .where('registry_name', '=', reg.name.toLowerCase())
      .orderBy('name')
      .execute();
    const out: PoolRow[] = [];
    for (const { name } of rows) {
      const r = await this.row(reg.id, name);
      if (r) out.push(r);
    }
    return out;
  }

  async put(reg: PoolRegistry, name: string, input: PoolInput): Promise<{ pool: PoolRow; created: boolean }> {
    if (!POOL_NAME_RE.test(name))
      throw new DockyardError(
        'InvalidResourceName',
        `Agent pool name '${name}' is invalid: use 3 to 20 letters, numbers and hyphens.`,
      );
    const existing = await this.row(reg.id, name);
    if (existing?.deleted_at)
      throw new DockyardError('Conflict', `The agent pool '${name}' is being deleted; try again in a few seconds.`);
    if (!existing && !input.location) throw new DockyardError('InvalidParameter', "'location' is required.");
    const tier = (input.tier ?? existing?.tier ?? 'S1').toUpperCase();
    if (!(POOL_TIERS as readonly string[]).includes(tier))
      throw new DockyardError(
        'InvalidParameter',
        `The tier '${input.tier}' is invalid. Allowed: ${POOL_TIERS.join(', ')}.`,
      );
    const os = input.os ?? existing?.os ?? 'Linux';
    if (os !== 'Linux') throw new DockyardError('InvalidParameter', `The OS '${os}' is not supported: only Linux.`);
    if (input.subnetId && input.subnetId.length > 1024)
      throw new DockyardError('InvalidParameter', 'The subnet id is too long.');
    const row: PoolRow = {
      id_lower: `${reg.id}/agentPools/${name}`.toLowerCase(),
      id: existing?.id ?? `${reg.id}/agentPools/${name}`,
      name: existing?.name ?? name,
      registry_name: reg.name.toLowerCase(),
      location: existing?.location ?? String(input.location),
      tags: JSON.stringify(input.tags !== undefined ? checkTags(input.tags) : JSON.parse(existing?.tags ?? '{}')),
      count: input.count !== undefined ? checkCount(input.count) : (existing?.count ?? 1),
      tier,
      os,
      subnet_id: input.subnetId !== undefined ? input.subnetId : (existing?.subnet_id ?? null),
      provisioning_state: 'Succeeded',
      credential_hash: existing?.credential_hash ?? null,
      credential_created: existing?.credential_created ?? null,
      deleted_at: null,
      creation_date: existing?.creation_date ?? new Date().toISOString(),
    };
    if (existing) {
      const { id_lower, ...rest } = row;
      await this.db.updateTable('agent_pools').set(rest).where('id_lower', '=', id_lower).execute();
    } else await this.db.insertInto('agent_pools').values(row).execute();
    return { pool: row, created: !existing };
  }

  /** PATCH: only `tags` and `count` change. */
  async patch(reg: PoolRegistry, name: string, input: { tags?: unknown; count?: unknown }): Promise<PoolRow> {
    const r = await this.require(reg, name);
    const set: Partial<PoolRow> = {};
    if (input.count !== undefined) set.count = checkCount(input.count);
    if (input.tags !== undefined) set.tags = JSON.stringify(checkTags(input.tags));
    if (Object.keys(set).length)
      await this.db.updateTable('agent_pools').set(set).where('id_lower', '=', r.id_lower).execute();
    return { ...r, ...set };
  }

  /** Marks the pool Deleting (its credential stops working at once); false when there was none. */
  async delete(reg: PoolRegistry, name: string): Promise<PoolRow | null> {
    const r = await this.row(reg.id, name);
    if (!r || r.deleted_at) return null;
    await this.db
      .updateTable('agent_pools')
      .set({ provisioning_state: 'Deleting', deleted_at: new Date().toISOString(), credential_hash: null })
      .where('id_lower', '=', r.id_lower)
      .execute();
    return r;
  }

  async deleteForRegistry(registryName: string): Promise<void> {
    await this.db.deleteFrom('agent_pools').where('registry_name', '=', registryName.toLowerCase()).execute();
  }

  /** Issues a new agent credential for the pool (the previous one stops working). Returned once; stored hashed. */
  async issueCredential(reg: PoolRegistry, name: string): Promise<{ token: string; pool: PoolRow }> {
    const pool = await this.require(reg, name);
    // `dyap.<registry>.<pool>.<secret>`: an agent finds its registry and pool in it; only its hash is stored.
    const token = `dyap.${reg.name.toLowerCase()}.${pool.name}.${newSecret(32)}`;
    const now = new Date().toISOString();
    await this.db
      .updateTable('agent_pools')
      .set({ credential_hash: sha256Hex(token), credential_created: now })
      .where('id_lower', '=', pool.id_lower)
      .execute();
    return { token, pool: { ...pool, credential_created: now } };
  }

  /** The pool an agent credential belongs to (constant-time compare), or null. */
  async authenticate(registryName: string, poolName: string, token: string): Promise<PoolRow | null> {
    if (!POOL_NAME_RE.test(poolName) || registryName.length > 50) return null;
    const r = await this.db
      .selectFrom('agent_pools')
      .selectAll()
      .where('registry_name', '=', registryName.toLowerCase())
      .where('name', '=', poolName)
      .executeTakeFirst();
    const candidates = r
      ? [r]
      : await this.db
          .selectFrom('agent_pools')
          .selectAll()
          .where('registry_name', '=', registryName.toLowerCase())
          .execute();
    const pool = candidates.find((c) => c.name.toLowerCase() === poolName.toLowerCase());
    if (!pool || pool.deleted_at || !secretMatchesHash(token, pool.credential_hash)) return null;
    return pool;
  }
}

/** The pool as az prints it (`az acr agentpool show`). */
export function poolShape(p: PoolRow, resourceGroup: string): Record<string, unknown> {
  return {
    count: p.count,
    id: p.id,
    location: p.location,
    name: p.name,
    os: p.os,
    provisioningState: p.provisioning_state,
    resourceGroup,
    systemData: null,
    tags: JSON.parse(p.tags) as Record<string, string>,
    tier: p.tier,
    type: 'Microsoft.ContainerRegistry/registries/agentPools',
    virtualNetworkSubnetResourceId: p.subnet_id,
  };
}
