import type { Kysely } from 'kysely';
import { DockyardError, resourceGroupScope } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { ArmTables } from './tables.js';
import { validateLocation, validateResourceGroupName } from './names.js';

export type GroupRow = ArmTables['resource_groups'];

export class ResourceGroups {
  private readonly db: Kysely<ArmTables>;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<ArmTables>;
  }

  /** PUT semantics: creates, or updates tags of an existing group in the same location. */
  async createOrUpdate(
    sub: string,
    name: string,
    location: string | undefined,
    tags: Record<string, string> = {},
  ): Promise<{ row: GroupRow; created: boolean }> {
    validateResourceGroupName(name);
    const loc = validateLocation(location);
    const existing = await this.find(sub, name);
    if (existing) {
      if (existing.location !== loc) {
        throw new DockyardError(
          'InvalidResourceGroupLocation',
          `Invalid resource group location '${loc}'. The Resource group already exists in location '${existing.location}'.`,
        );
      }
      await this.db
        .updateTable('resource_groups')
        .set({ tags: JSON.stringify(tags) })
        .where('id', '=', existing.id)
        .execute();
      return { row: { ...existing, tags: JSON.stringify(tags) }, created: false };
    }
    const row: GroupRow = {
      id: resourceGroupScope(sub, name),
      subscription_id: sub,
      name,
      name_lower: name.toLowerCase(),
      location: loc,
      tags: JSON.stringify(tags),
      created_at: new Date().toISOString(),
    };
    await this.db.insertInto('resource_groups').values(row).execute();
    return { row, created: true };
  }

  async find(sub: string, name: string): Promise<GroupRow | undefined> {
    return this.db
      .selectFrom('resource_groups')
      .selectAll()
      .where('subscription_id', '=', sub)
      .where('name_lower', '=', name.toLowerCase())
      .executeTakeFirst();
  }

  async get(sub: string, name: string): Promise<GroupRow> {
    const row = await this.find(sub, name);
    if (!row) throw new DockyardError('ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
    return row;
  }

  async list(sub: string): Promise<GroupRow[]> {
    return this.db
      .selectFrom('resource_groups')
      .selectAll()
      .where('subscription_id', '=', sub)
      .orderBy('name_lower')
      .execute();
  }

  async delete(sub: string, name: string): Promise<GroupRow> {
    const row = await this.get(sub, name);
    await this.db.deleteFrom('resource_groups').where('id', '=', row.id).execute();
    return row;
  }
}
