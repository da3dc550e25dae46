import type { Principal } from '../shared/index.js';
import type { Authorizer } from '../http/index.js';
import type { SqlDatabase } from '../storage/index.js';
import { authorize, grantedOf, type PermissionKind } from './authorize.js';
import { RoleAssignments } from './assignments.js';
import { BUILT_IN_ROLES, findRoleDefinition, type RoleDefinition } from './role-definitions.js';

/** Role definitions + assignments, and the decisions made from them. */
export class Rbac implements Authorizer {
  readonly assignments: RoleAssignments;
  readonly definitions: readonly RoleDefinition[] = BUILT_IN_ROLES;

  constructor(db: SqlDatabase) {
    this.assignments = new RoleAssignments(db);
  }

  findRole(role: string): RoleDefinition | undefined {
    return findRoleDefinition(this.definitions, role);
  }

  /** Control-plane decision (ARM actions). The registry admin user never acts on the control plane. */
  async isAllowed(
    principal: Principal,
    action: string,
    scope: string,
    kind: PermissionKind = 'action',
  ): Promise<boolean> {
    if (principal.type === 'RegistryAdmin' || principal.type === 'RegistryToken') return false;
    const mine = await this.assignments.forPrincipal(principal.objectId);
    return authorize(mine, this.definitions, principal.objectId, action, scope, kind);
  }

  /** Of `actions`, those the principal holds on `scope`. */
  async granted(
    principalObjectId: string,
    actions: readonly string[],
    scope: string,
    kind: PermissionKind = 'action',
  ): Promise<string[]> {
    const mine = await this.assignments.forPrincipal(principalObjectId);
    return grantedOf(mine, this.definitions, principalObjectId, actions, scope, kind);
  }

  /** Makes sure `principalId` holds `role` at `scope` (used for the local admin's Owner on first start). */
  async ensureAssignment(scope: string, role: string, principalId: string, principalType: string): Promise<void> {
    const def = this.findRole(role);
    if (!def) throw new Error(`unknown role ${role}`);
    if (!(await this.assignments.find(scope, def.id, principalId)))
      await this.assignments.create({ scope, roleId: def.id, principalId, principalType });
  }
}
