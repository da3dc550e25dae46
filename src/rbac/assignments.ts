import type { Kysely } from 'kysely';
import type { MigrationSet, SqlDatabase } from '../storage/index.js';
import { newGuid } from '../shared/index.js';
import type { RoleAssignmentGrant } from './authorize.js';

interface RbacTables {
  role_assignments: {
    name: string;
    scope: string;
    scope_lower: string;
    role_definition_id: string;
    principal_id: string;
    principal_type: string;
    description: string | null;
    created_on: string;
    created_by: string | null;
  };
}

export const rbacMigrations: MigrationSet = {
  '202611230020-rbac-role-assignments': {
    async up(db) {
      await db.schema
        .createTable('role_assignments')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('scope_lower', 'text', (c) => c.notNull())
        .addColumn('role_definition_id', 'text', (c) => c.notNull())
        .addColumn('principal_id', 'text', (c) => c.notNull())
        .addColumn('principal_type', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('created_on', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .execute();
      await db.schema.createIndex('role_assignments_principal').on('role_assignments').column('principal_id').execute();
      await db.schema.createIndex('role_assignments_scope').on('role_assignments').column('scope_lower').execute();
    },
  },
};

export interface RoleAssignment extends RoleAssignmentGrant {
  /** The assignment's GUID. */
  name: string;
  /** The role's GUID. */
  roleDefinitionId: string;
  principalType: string;
  description: string | null;
  createdOn: string;
  createdBy: string | null;
}

const normScope = (s: string): string => s.replace(/\/+$/, '') || '/';

/** Role assignments persisted in SQL. Scopes keep their given casing and compare case-insensitively. */
export class RoleAssignments {
  private readonly db: Kysely<RbacTables>;
  constructor(db: SqlDatabase) {
    this.db = db as Kysely<RbacTables>;
  }

  async create(input: {
    scope: string;
    roleId: string;
    principalId: string;
    principalType: string;
    name?: string;
    description?: string | null;
    createdBy?: string;
  }): Promise<RoleAssignment> {
    const scope = normScope(input.scope);
    const row: RbacTables['role_assignments'] = {
      name: (input.name ?? newGuid()).toLowerCase(),
      scope,
      scope_lower: scope.toLowerCase(),
      role_definition_id: input.roleId.toLowerCase(),
      principal_id: input.principalId.toLowerCase(),
      principal_type: input.principalType,
      description: input.description ?? null,
      created_on: new Date().toISOString(),
      created_by: input.createdBy ?? null,
    };
    await this.db.insertInto('role_assignments').values(row).execute();
    return toAssignment(row);
  }

  async get(name: string): Promise<RoleAssignment | undefined> {
    const r = await this.db
      .selectFrom('role_assignments')
      .selectAll()
      .where('name', '=', name.toLowerCase())
      .executeTakeFirst();
    return r ? toAssignment(r) : undefined;
  }

  async find(scope: string, roleId: string, principalId: string): Promise<RoleAssignment | undefined> {
    const r = await this.db
      .selectFrom('role_assignments')
      .selectAll()
      .where('scope_lower', '=', normScope(scope).toLowerCase())
      .where('role_definition_id', '=', roleId.toLowerCase())
      .where('principal_id', '=', principalId.toLowerCase())
      .executeTakeFirst();
    return r ? toAssignment(r) : undefined;
  }

  async forPrincipal(principalId: string): Promise<RoleAssignment[]> {
    const rows = await this.db
      .selectFrom('role_assignments')
      .selectAll()
      .where('principal_id', '=', principalId.toLowerCase())
      .execute();
    return rows.map(toAssignment);
  }

  async all(): Promise<RoleAssignment[]> {
    return (await this.db.selectFrom('role_assignments').selectAll().orderBy('created_on').execute()).map(toAssignment);
  }

  async delete(name: string): Promise<void> {
    await this.db.deleteFrom('role_assignments').where('name', '=', name.toLowerCase()).execute();
  }

  async deleteForPrincipal(principalId: string): Promise<number> {
    const r = await this.db
      .deleteFrom('role_assignments')
      .where('principal_id', '=', principalId.toLowerCase())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Removes assignments at `resourceId` or below it (the resource was deleted). */
  async deleteAtOrBelow(resourceId: string): Promise<number> {
    const s = normScope(resourceId).toLowerCase();
    const r = await this.db
      .deleteFrom('role_assignments')
      .where((eb) => eb.or([eb('scope_lower', '=', s), eb('scope_lower', 'like', `${s.replace(/[%_]/g, '')}/%`)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

function toAssignment(r: RbacTables['role_assignments']): RoleAssignment {
  return {
    name: r.name,
    scope: r.scope,
    roleDefinitionId: r.role_definition_id,
    principalId: r.principal_id,
    principalType: r.principal_type,
    description: r.description,
    createdOn: r.created_on,
    createdBy: r.created_by,
  };
}
