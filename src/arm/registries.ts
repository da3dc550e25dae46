import type { Kysely } from 'kysely';
import { DockyardError, resourceIdOf } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { ArmTables } from './tables.js';
import { normalizeSku, validateLocation, validateRegistryName } from './names.js';
import type { LoginServerAllocator } from './ports.js';
import type { NetworkRuleSet } from './shapes.js';

export type RegistryRow = ArmTables['registries'];

export interface RegistryCreate {
  sku?: string;
  location?: string;
  adminUserEnabled?: boolean;
  publicNetworkAccess?: 'Enabled' | 'Disabled';
  networkRuleSet?: NetworkRuleSet;
  networkRuleBypassOptions?: 'AzureServices' | 'None';
  networkRuleBypassAllowedForTasks?: boolean;
  anonymousPullEnabled?: boolean;
  tags?: Record<string, string>;
  /** `properties.policies.retentionPolicy` (Premium only): untagged manifests older than `days` are deleted by GC. */
  retentionPolicy?: { days?: unknown; status?: unknown };
}

export interface RetentionPolicy {
  days: number;
  status: 'enabled' | 'disabled';
  lastUpdatedTime: string | null;
}

export const DEFAULT_RETENTION: RetentionPolicy = { days: 7, status: 'disabled', lastUpdatedTime: null };

export const retentionOf = (r: Pick<RegistryRow, 'retention_policy'>): RetentionPolicy =>
  r.retention_policy ? (JSON.parse(r.retention_policy) as RetentionPolicy) : DEFAULT_RETENTION;

export type RegistryPatch = RegistryCreate;

export const MAX_IP_RULES = 200;

/** How long a registry row read on the data plane's hot path may be reused (see `current`). */
const HOT_ROW_TTL_MS = 500;

export class Registries {
  private readonly db: Kysely<ArmTables>;
  /** name_lower → a recently read row (or its absence), for `current`. Cleared by every write through this class. */
  private readonly hot = new Map<string, { row: RegistryRow | undefined; at: number }>();
  constructor(
    db: SqlDatabase,
    private readonly allocator: LoginServerAllocator,
  ) {
    this.db = db as Kysely<ArmTables>;
  }

  async create(
    sub: string,
    rg: string,
    name: string,
    input: RegistryCreate,
    groupLocation: string,
  ): Promise<RegistryRow> {
    validateRegistryName(name);
    const taken = await this.db
      .selectFrom('registries')
      .select(['id', 'resource_group'])
      .where('name_lower', '=', name.toLowerCase())
      .executeTakeFirst();
    if (taken) {
      throw new DockyardError(
        'AlreadyInUse',
        `The registry DNS name ${name.toLowerCase()} is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability`,
      );
    }
    const sku = normalizeSku(input.sku);
    const location = input.location ? validateLocation(input.location) : groupLocation;
    const { loginServer, port } = await this.allocator.allocate(name);
    const id = resourceIdOf(sub, rg, 'Microsoft.ContainerRegistry', 'registries', name);
    const row: RegistryRow = {
      id,
      id_lower: id.toLowerCase(),
      name,
      name_lower: name.toLowerCase(),
      subscription_id: sub,
      resource_group: rg,
      location,
      sku,
      admin_user_enabled: input.adminUserEnabled ? 1 : 0,
      anonymous_pull_enabled: input.anonymousPullEnabled ? 1 : 0,
      public_network_access: input.publicNetworkAccess ?? 'Enabled',
      network_rule_set: JSON.stringify(
        validateRuleSet(input.networkRuleSet ?? { defaultAction: 'Allow', ipRules: [] }),
      ),
      network_rule_bypass_options: input.networkRuleBypassOptions ?? 'AzureServices',
      network_rule_bypass_allowed_for_tasks: input.networkRuleBypassAllowedForTasks ? 1 : 0,
      login_server: loginServer,
      port,
      tags: JSON.stringify(input.tags ?? {}),
      creation_date: new Date().toISOString(),
      retention_policy: null,
    };
    try {
      await this.db.insertInto('registries').values(row).execute();
      this.hot.clear();
    } catch (err) {
      await this.allocator.release(name);
      throw err;
    }
    return row;
  }

  async update(existing: RegistryRow, patch: RegistryPatch): Promise<RegistryRow> {
    const next: RegistryRow = { ...existing };
    if (patch.sku !== undefined) next.sku = normalizeSku(patch.sku);
    if (patch.adminUserEnabled !== undefined) next.admin_user_enabled = patch.adminUserEnabled ? 1 : 0;
    if (patch.anonymousPullEnabled !== undefined) next.anonymous_pull_enabled = patch.anonymousPullEnabled ? 1 : 0;
    if (patch.publicNetworkAccess !== undefined)
      next.public_network_access = enumValue(patch.publicNetworkAccess, ['Enabled', 'Disabled'], 'publicNetworkAccess');
    if (patch.networkRuleBypassOptions !== undefined)
      next.network_rule_bypass_options = enumValue(
        patch.networkRuleBypassOptions,
        ['AzureServices', 'None'],
        'networkRuleBypassOptions',
      );
    if (patch.networkRuleBypassAllowedForTasks !== undefined)
      next.network_rule_bypass_allowed_for_tasks = patch.networkRuleBypassAllowedForTasks ? 1 : 0;
    if (patch.networkRuleSet !== undefined) {
      if (
        next.sku !== 'Premium' &&
        (patch.networkRuleSet.defaultAction === 'Deny' || (patch.networkRuleSet.ipRules ?? []).length > 0)
      ) {
        throw new DockyardError(
          'OperationNotAllowed',
          `Network rules are only supported by the Premium SKU. Registry '${existing.name}' is ${next.sku}.`,
        );
      }
      next.network_rule_set = JSON.stringify(validateRuleSet(patch.networkRuleSet));
    }
    if (patch.tags !== undefined) next.tags = JSON.stringify(patch.tags);
    if (patch.retentionPolicy !== undefined)
      next.retention_policy = JSON.stringify(validateRetention(patch.retentionPolicy, retentionOf(existing), next.sku));
    await this.db.updateTable('registries').set(next).where('id_lower', '=', existing.id_lower).execute();
    this.hot.clear();
    return next;
  }

  async find(sub: string, rg: string | undefined, name: string): Promise<RegistryRow | undefined> {
    // Resource group names are case-insensitive in ARM (the Azure CLI sends them lower-cased): compare below, not in SQL.
    const row = await this.db
      .selectFrom('registries')
      .selectAll()
      .where('subscription_id', '=', sub)
      .where('name_lower', '=', name.toLowerCase())
      .executeTakeFirst();
    if (row && rg && row.resource_group.toLowerCase() !== rg.toLowerCase()) return undefined;
    return row;
  }

  async get(sub: string, rg: string | undefined, name: string): Promise<RegistryRow> {
    const row = await this.find(sub, rg, name);
    if (!row) {
      throw new DockyardError(
        'ResourceNotFound',
        `The Resource 'Microsoft.ContainerRegistry/registries/${name}' under resource group '${rg ?? ''}' was not found.`,
      );
    }
    return row;
  }

  async byName(name: string): Promise<RegistryRow | undefined> {
    return this.db.selectFrom('registries').selectAll().where('name_lower', '=', name.toLowerCase()).executeTakeFirst();
  }

  /**
   * `byName` for the data plane's hot path (one blob GET asks for its registry three times: routing, network rules,
   * access). Rows are reused for at most HOT_ROW_TTL_MS; writes through this process drop them at once, so a change
   * made on another API node is seen within that window (docs/designs/registry-data-plane.md).
   */
  async current(name: string): Promise<RegistryRow | undefined> {
    const key = name.toLowerCase();
    const now = Date.now();
    const hit = this.hot.get(key);
    if (hit && now - hit.at < HOT_ROW_TTL_MS) return hit.row;
    const row = await this.byName(key);
    if (this.hot.size > 1000) this.hot.clear();
    this.hot.set(key, { row, at: now });
    return row;
  }

  async all(): Promise<RegistryRow[]> {
    return this.db.selectFrom('registries').selectAll().orderBy('name_lower').execute();
  }

  async list(sub: string, rg?: string): Promise<RegistryRow[]> {
    let q = this.db.selectFrom('registries').selectAll().where('subscription_id', '=', sub);
    if (rg) q = q.where('resource_group', '=', rg);
    return q.orderBy('name_lower').execute();
  }

  async setLoginServer(row: RegistryRow, loginServer: string, port: number): Promise<void> {
    await this.db
      .updateTable('registries')
      .set({ login_server: loginServer, port })
      .where('id_lower', '=', row.id_lower)
      .execute();
    this.hot.clear();
  }

  async delete(row: RegistryRow): Promise<void> {
    await this.db.deleteFrom('registries').where('id_lower', '=', row.id_lower).execute();
    this.hot.clear();
    await this.allocator.release(row.name);
  }
}

function enumValue<T extends string>(v: string, allowed: readonly T[], what: string): T {
  const found = allowed.find((a) => a.toLowerCase() === String(v).toLowerCase());
  if (!found)
    throw new DockyardError(
      'InvalidParameter',
      `The value '${v}' of ${what} is invalid. Allowed values: ${allowed.join(', ')}.`,
    );
  return found;
}

function validateRetention(
  input: { days?: unknown; status?: unknown },
  current: RetentionPolicy,
  sku: string,
): RetentionPolicy {
  const days = input.days === undefined ? current.days : Number(input.days);
  if (!Number.isInteger(days) || days < 0 || days > 365)
    throw new DockyardError(
      'InvalidParameter',
      `The retention policy days '${String(input.days)}' is invalid: use a whole number from 0 to 365.`,
    );
  const status =
    input.status === undefined
      ? current.status
      : enumValue(String(input.status), ['enabled', 'disabled'] as const, 'retentionPolicy.status');
  if (sku !== 'Premium' && status === 'enabled')
    throw new DockyardError(
      'OperationNotAllowed',
      'Policies are only supported for managed registries in Premium SKU.',
    );
  return { days, status, lastUpdatedTime: new Date().toISOString() };
}

function validateRuleSet(set: NetworkRuleSet): NetworkRuleSet {
  const defaultAction = enumValue(
    set.defaultAction ?? 'Allow',
    ['Allow', 'Deny'] as const,
    'networkRuleSet.defaultAction',
  );
  const ipRules = (set.ipRules ?? []).map((r) => {
    const value = String(
      (r as { ipAddressOrRange?: string; value?: string }).ipAddressOrRange ?? (r as { value?: string }).value ?? '',
    );
    if (!isIpOrCidr(value))
      throw new DockyardError('InvalidParameter', `The IP rule '${value}' is not a valid IPv4 address or CIDR range.`);
    return { action: 'Allow' as const, ipAddressOrRange: value };
  });
  if (ipRules.length > MAX_IP_RULES) {
    throw new DockyardError(
      'QuotaExceeded',
      `The requested feature IP rule exceeds allowed quota ${MAX_IP_RULES} for the SKU Premium.`,
    );
  }
  return { defaultAction, ipRules };
}

export function isIpOrCidr(v: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(v);
  if (!m) return false;
  if ([m[1], m[2], m[3], m[4]].some((o) => Number(o) > 255)) return false;
  return m[5] === undefined || Number(m[5]) <= 32;
}
