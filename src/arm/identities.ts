import type { Kysely } from 'kysely';
import { DockyardError, resourceIdOf } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { ArmTables } from './tables.js';
import { validateIdentityName, validateLocation } from './names.js';
import type { IdentityPrincipals } from './ports.js';

export type IdentityRow = ArmTables['user_assigned_identities'];

export class UserAssignedIdentities {
  private readonly db: Kysely<ArmTables>;
  constructor(
    db: SqlDatabase,
    private readonly principals: IdentityPrincipals,
  ) {
    this.db = db as Kysely<ArmTables>;
  }

  async createOrUpdate(
    sub: string,
    rg: string,
    name: string,
    location: string | undefined,
    tags: Record<string, string> = {},
  ): Promise<{ row: IdentityRow; created: boolean }> {
    validateIdentityName(name);
    const existing = await this.find(sub, rg, name);
    if (existing) {
      await this.db
        .updateTable('user_assigned_identities')
        .set({ tags: JSON.stringify(tags) })
        .where('id_lower', '=', existing.id_lower)
        .execute();
      return { row: { ...existing, tags: JSON.stringify(tags) }, created: false };
    }
    const id = resourceIdOf(sub, rg, 'Microsoft.ManagedIdentity', 'userAssignedIdentities', name);
    const p = await this.principals.createManagedIdentity({ resourceId: id, displayName: name, kind: 'UserAssigned' });
    const row: IdentityRow = {
      id,
      id_lower: id.toLowerCase(),
      name,
      subscription_id: sub,
      resource_group: rg,
      location: validateLocation(location),
      principal_id: p.principalId,
      client_id: p.clientId,
      tenant_id: p.tenantId,
      tags: JSON.stringify(tags),
    };
    await this.db.insertInto('user_assigned_identities').values(row).execute();
    return { row, created: true };
  }

  async find(sub: string, rg: string, name: string): Promise<IdentityRow | undefined> {
    const id = resourceIdOf(sub, rg, 'Microsoft.ManagedIdentity', 'userAssignedIdentities', name);
    return this.byId(id);
  }

  async byId(id: string): Promise<IdentityRow | undefined> {
    return this.db
      .selectFrom('user_assigned_identities')
      .selectAll()
      .where('id_lower', '=', id.toLowerCase())
      .executeTakeFirst();
  }

  async get(sub: string, rg: string, name: string): Promise<IdentityRow> {
    const row = await this.find(sub, rg, name);
    if (!row)
      throw new DockyardError(
        'ResourceNotFound',
        `The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/${name}' under resource group '${rg}' was not found.`,
      );
    return row;
  }

  async list(sub: string, rg?: string): Promise<IdentityRow[]> {
    let q = this.db.selectFrom('user_assigned_identities').selectAll().where('subscription_id', '=', sub);
    if (rg) q = q.where('resource_group', '=', rg);
    return q.orderBy('name').execute();
  }

  async delete(row: IdentityRow): Promise<void> {
    await this.db.deleteFrom('user_assigned_identities').where('id_lower', '=', row.id_lower).execute();
    await this.principals.deleteManagedIdentity(row.principal_id);
  }
}
