import { sql, type Kysely } from 'kysely';
import { DockyardError } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { RegistryTables } from './tables.js';
import type { RegistryInfo } from './ports.js';
import { quotaExceeded, scopeMapLimit } from './sku-limits.js';

export interface ScopeMap {
  name: string;
  description: string;
  type: 'SystemDefined' | 'UserDefined';
  actions: string[];
  createdAt: string;
}

const SYSTEM_CREATED = '2019-01-01T00:00:00.0000000Z';
const sys = (name: string, description: string, acts: string[]): ScopeMap => ({
  name,
  description,
  type: 'SystemDefined',
  actions: acts.map((a) => `repositories/*/${a}`),
  createdAt: SYSTEM_CREATED,
});

/** The system scope maps every registry has (acr-reference-2.md §1; all SKUs). */
export const SYSTEM_SCOPE_MAPS: readonly ScopeMap[] = [
  sys('_repositories_admin', 'Can perform all read, write and delete operations on the registry', [
    'metadata/read',
    'metadata/write',
    'content/read',
    'content/write',
    'content/delete',
  ]),
  sys('_repositories_pull', 'Can pull any repository of the registry', ['content/read']),
  sys('_repositories_pull_metadata_read', 'Can perform all read operations on the registry', [
    'content/read',
    'metadata/read',
  ]),
  sys('_repositories_push', 'Can push to any repository of the registry', ['content/read', 'content/write']),
  sys('_repositories_push_metadata_write', 'Can perform all read and write operations on the registry', [
    'metadata/read',
    'metadata/write',
    'content/read',
    'content/write',
  ]),
];

/** Scope-map action → the data-plane action it grants. */
export const SCOPE_ACTIONS: Record<string, string> = {
  'content/read': 'pull',
  'content/write': 'push',
  'content/delete': 'delete',
  'metadata/read': 'metadata_read',
  'metadata/write': 'metadata_write',
};

const ACTION_RE =
  /^repositories\/(\*|[a-z0-9]+(?:[._/-][a-z0-9]+)*(?:\/\*)?)\/(content\/read|content\/write|content\/delete|metadata\/read|metadata\/write)$/;
const GATEWAY_RE = /^gateway\/[a-z0-9-]+\/(config\/read|config\/write|message\/read|message\/write)$/;

/** Validates and normalizes (lower-case, de-duplicated) a scope map's action list. */
export function normalizeActions(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0)
    throw new DockyardError(
      'InvalidRequestContent',
      "The request content was invalid: 'properties.actions' must be a non-empty array.",
    );
  if (raw.length > 500) throw new DockyardError('QuotaExceeded', 'A scope map can have at most 500 actions.');
  const out: string[] = [];
  for (const a of raw) {
    const s = String(a).toLowerCase();
    if (!ACTION_RE.test(s) && !GATEWAY_RE.test(s)) {
      throw new DockyardError(
        'InvalidParameter',
        `The action '${String(a)}' is invalid. Use 'repositories/<repository>/<action>' with action content/read, content/write, content/delete, metadata/read or metadata/write.`,
      );
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** True when the repository pattern of an action (`app`, `app/*`, `*`) covers `repository`. */
export function repositoryMatches(pattern: string, repository: string): boolean {
  const repo = repository.toLowerCase();
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return repo.startsWith(pattern.slice(0, -1));
  return pattern === repo;
}

/** The data-plane actions a scope map's action list grants on one repository. */
export function grantedBy(actions: readonly string[], repository: string): string[] {
  const out = new Set<string>();
  for (const a of actions) {
    const m = /^repositories\/(.+)\/(content|metadata)\/(read|write|delete)$/.exec(a);
    if (m && repositoryMatches(m[1], repository)) out.add(SCOPE_ACTIONS[`${m[2]}/${m[3]}`]);
  }
  return [...out];
}

export const validScopeMapName = (n: string): boolean => /^[a-zA-Z0-9_-]{5,50}$/.test(n);
const key = (r: RegistryInfo): string => r.id.toLowerCase();

/** User-defined scope maps of a registry, plus the built-in system maps. */
export class ScopeMaps {
  private readonly db: Kysely<RegistryTables>;

  constructor(db: SqlDatabase) {
    this.db = db as Kysely<RegistryTables>;
  }

  async find(registry: RegistryInfo, name: string): Promise<ScopeMap | undefined> {
    const s = SYSTEM_SCOPE_MAPS.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (s) return s;
    const row = await this.db
      .selectFrom('reg_scope_maps')
      .selectAll()
      .where('registry_id', '=', key(registry))
      .where(sql<string>`lower(name)`, '=', name.toLowerCase())
      .executeTakeFirst();
    return row
      ? {
          name: row.name,
          description: row.description ?? '',
          type: 'UserDefined',
          actions: JSON.parse(row.actions) as string[],
          createdAt: row.created_at,
        }
      : undefined;
  }

  async get(registry: RegistryInfo, name: string): Promise<ScopeMap> {
    const m = await this.find(registry, name);
    if (!m)
      throw new DockyardError(
        'ResourceNotFound',
        `The scope map '${name}' was not found in registry '${registry.name}'.`,
      );
    return m;
  }

  async list(registry: RegistryInfo): Promise<ScopeMap[]> {
    const rows = await this.db
      .selectFrom('reg_scope_maps')
      .selectAll()
      .where('registry_id', '=', key(registry))
      .orderBy('name')
      .execute();
    return [
      ...SYSTEM_SCOPE_MAPS,
      ...rows.map((r) => ({
        name: r.name,
        description: r.description ?? '',
        type: 'UserDefined' as const,
        actions: JSON.parse(r.actions) as string[],
        createdAt: r.created_at,
      })),
    ];
  }

  /** Creates or replaces (PUT) / updates (PATCH: only the fields given) a user-defined map. */
  async upsert(
    registry: RegistryInfo,
    name: string,
    input: { actions?: string[]; description?: string },
    patch: boolean,
  ): Promise<{ map: ScopeMap; created: boolean }> {
    if (SYSTEM_SCOPE_MAPS.some((m) => m.name.toLowerCase() === name.toLowerCase()))
      throw new DockyardError('OperationNotAllowed', `The system scope map '${name}' cannot be modified.`);
    if (!validScopeMapName(name) || name.startsWith('_'))
      throw new DockyardError(
        'InvalidResourceName',
        `The scope map name '${name}' is invalid: use 5 to 50 characters of a-z, A-Z, 0-9, '-' and '_', not starting with '_'.`,
      );
    if (input.description !== undefined && input.description.length > 256)
      throw new DockyardError('InvalidParameter', 'The scope map description can have at most 256 characters.');
    const existing = await this.find(registry, name);
    if (!existing && patch)
      throw new DockyardError(
        'ResourceNotFound',
        `The scope map '${name}' was not found in registry '${registry.name}'.`,
      );
    if (!existing && !input.actions)
      throw new DockyardError(
        'InvalidRequestContent',
        "The request content was invalid: 'properties.actions' is required.",
      );
    const actions = input.actions ?? existing!.actions;
    const description = input.description ?? (patch ? existing?.description : undefined) ?? null;
    if (existing) {
      await this.db
        .updateTable('reg_scope_maps')
        .set({ actions: JSON.stringify(actions), description })
        .where('registry_id', '=', key(registry))
        .where(sql<string>`lower(name)`, '=', name.toLowerCase())
        .execute();
    } else {
      if ((await this.count(registry)) >= scopeMapLimit(registry.sku)) throw quotaExceeded('scopeMaps', registry.sku);
      await this.db
        .insertInto('reg_scope_maps')
        .values({
          registry_id: key(registry),
          name,
          description,
          actions: JSON.stringify(actions),
          created_at: new Date().toISOString(),
        })
        .execute();
    }
    return { map: await this.get(registry, name), created: !existing };
  }

  /** User-defined maps of a registry (the built-in system maps do not count against the SKU's limit). */
  async count(registry: RegistryInfo): Promise<number> {
    const r = await this.db
      .selectFrom('reg_scope_maps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('registry_id', '=', key(registry))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Deletes a user-defined map; false when it does not exist. The caller checks that no token uses it. */
  async delete(registry: RegistryInfo, name: string): Promise<boolean> {
    if (SYSTEM_SCOPE_MAPS.some((m) => m.name.toLowerCase() === name.toLowerCase()))
      throw new DockyardError('OperationNotAllowed', `The system scope map '${name}' cannot be deleted.`);
    const r = await this.db
      .deleteFrom('reg_scope_maps')
      .where('registry_id', '=', key(registry))
      .where(sql<string>`lower(name)`, '=', name.toLowerCase())
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async purgeRegistry(registryId: string): Promise<void> {
    await this.db.deleteFrom('reg_scope_maps').where('registry_id', '=', registryId.toLowerCase()).execute();
  }
}
