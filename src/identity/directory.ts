import type { Kysely } from 'kysely';
import type { MigrationSet, SqlDatabase } from '../storage/index.js';
import { newGuid, type Principal, type PrincipalType } from '../shared/index.js';

/** The directory: the tenant and its principals (users, service principals, managed identities). */
interface DirectoryTables {
  tenants: { tenant_id: string; display_name: string; is_default: number; created_at: string };
  principals: {
    object_id: string;
    tenant_id: string;
    type: string;
    display_name: string;
    app_id: string | null;
    identity_kind: string | null;
    resource_id: string | null;
    resource_id_lower: string | null;
    created_at: string;
  };
}

export const directoryMigrations: MigrationSet = {
  '202611230010-identity-directory': {
    async up(db) {
      await db.schema
        .createTable('tenants')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('principals')
        .addColumn('object_id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.unique())
        .addColumn('identity_kind', 'text')
        .addColumn('resource_id', 'text')
        .addColumn('resource_id_lower', 'text', (c) => c.unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

export interface NewPrincipal {
  type: PrincipalType;
  displayName: string;
  appId?: string;
  identityKind?: 'SystemAssigned' | 'UserAssigned';
  resourceId?: string;
  objectId?: string;
}

export class Directory {
  private readonly db: Kysely<DirectoryTables>;

  constructor(db: SqlDatabase) {
    this.db = db as Kysely<DirectoryTables>;
  }

  /** The default tenant, created on first start. */
  async ensureDefaultTenant(): Promise<string> {
    const row = await this.db.selectFrom('tenants').select('tenant_id').where('is_default', '=', 1).executeTakeFirst();
    if (row) return row.tenant_id;
    const tenantId = newGuid();
    await this.db
      .insertInto('tenants')
      .values({
        tenant_id: tenantId,
        display_name: 'Default Directory',
        is_default: 1,
        created_at: new Date().toISOString(),
      })
      .execute();
    return tenantId;
  }

  async defaultTenantId(): Promise<string> {
    return this.ensureDefaultTenant();
  }

  async createPrincipal(p: NewPrincipal): Promise<Principal> {
    const tenantId = await this.defaultTenantId();
    const objectId = p.objectId ?? newGuid();
    await this.db
      .insertInto('principals')
      .values({
        object_id: objectId,
        tenant_id: tenantId,
        type: p.type,
        display_name: p.displayName,
        app_id: p.appId ?? null,
        identity_kind: p.identityKind ?? null,
        resource_id: p.resourceId ?? null,
        resource_id_lower: p.resourceId?.toLowerCase() ?? null,
        created_at: new Date().toISOString(),
      })
      .execute();
    return (await this.getByObjectId(objectId))!;
  }

  async getByObjectId(objectId: string): Promise<Principal | null> {
    const r = await this.db
      .selectFrom('principals')
      .selectAll()
      .where('object_id', '=', objectId.toLowerCase())
      .executeTakeFirst();
    return r ? toPrincipal(r) : null;
  }

  async getByAppId(appId: string): Promise<Principal | null> {
    const r = await this.db
      .selectFrom('principals')
      .selectAll()
      .where('app_id', '=', appId.toLowerCase())
      .executeTakeFirst();
    return r ? toPrincipal(r) : null;
  }

  async getByResourceId(resourceId: string): Promise<Principal | null> {
    const r = await this.db
      .selectFrom('principals')
      .selectAll()
      .where('resource_id_lower', '=', resourceId.toLowerCase())
      .executeTakeFirst();
    return r ? toPrincipal(r) : null;
  }

  async deletePrincipal(objectId: string): Promise<void> {
    await this.db.deleteFrom('principals').where('object_id', '=', objectId.toLowerCase()).execute();
  }

  /** The principal plus the resource id behind it (managed identities: the identity or the owning resource). */
  async getRecord(objectId: string): Promise<{ principal: Principal; resourceId: string | null } | null> {
    const r = await this.db
      .selectFrom('principals')
      .selectAll()
      .where('object_id', '=', objectId.toLowerCase())
      .executeTakeFirst();
    return r ? { principal: toPrincipal(r), resourceId: r.resource_id } : null;
  }

  /** System-assigned principals owned by `resourceId` or by a resource below it. */
  async systemAssignedAtOrBelow(resourceId: string): Promise<Principal[]> {
    const s = resourceId.replace(/\/+$/, '').toLowerCase();
    const rows = await this.db
      .selectFrom('principals')
      .selectAll()
      .where('identity_kind', '=', 'SystemAssigned')
      .where((eb) =>
        eb.or([eb('resource_id_lower', '=', s), eb('resource_id_lower', 'like', `${s.replace(/[%_]/g, '')}/%`)]),
      )
      .execute();
    return rows.map(toPrincipal);
  }

  async list(): Promise<Principal[]> {
    return (await this.db.selectFrom('principals').selectAll().orderBy('created_at').execute()).map(toPrincipal);
  }
}

function toPrincipal(r: DirectoryTables['principals']): Principal {
  return {
    objectId: r.object_id,
    tenantId: r.tenant_id,
    type: r.type as PrincipalType,
    displayName: r.display_name,
    ...(r.app_id ? { appId: r.app_id } : {}),
    ...(r.identity_kind ? { identityKind: r.identity_kind as 'SystemAssigned' | 'UserAssigned' } : {}),
    ...(r.identity_kind === 'SystemAssigned' && r.resource_id ? { ownerResourceId: r.resource_id } : {}),
  };
}
