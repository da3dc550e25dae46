import { parseResourceId } from '../shared/index.js';
import type { RoleAssignment } from './assignments.js';
import { roleDefinitionResourceId, type RoleDefinition } from './role-definitions.js';

const BUILT_IN_DATE = '2015-02-02T21:55:09.8806423Z';

/** The subscription a scope lives in (undefined for `/`). */
export const subscriptionOf = (scope: string): string | undefined => parseResourceId(scope)?.subscriptionId;

export function assignmentId(a: Pick<RoleAssignment, 'scope' | 'name'>): string {
  return `${a.scope === '/' ? '' : a.scope}/providers/Microsoft.Authorization/roleAssignments/${a.name}`;
}

/** A role assignment in ARM's shape (az flattens `properties`). */
export function assignmentShape(a: RoleAssignment): Record<string, unknown> {
  return {
    id: assignmentId(a),
    name: a.name,
    type: 'Microsoft.Authorization/roleAssignments',
    properties: {
      condition: null,
      conditionVersion: null,
      createdBy: a.createdBy,
      createdOn: a.createdOn,
      delegatedManagedIdentityResourceId: null,
      description: a.description,
      principalId: a.principalId,
      principalType: a.principalType,
      roleDefinitionId: roleDefinitionResourceId(a.roleDefinitionId, subscriptionOf(a.scope)),
      scope: a.scope,
      updatedBy: a.createdBy,
      updatedOn: a.createdOn,
    },
  };
}

export function definitionShape(d: RoleDefinition, subscriptionId?: string): Record<string, unknown> {
  return {
    id: roleDefinitionResourceId(d.id, subscriptionId),
    name: d.id,
    type: 'Microsoft.Authorization/roleDefinitions',
    properties: {
      assignableScopes: d.assignableScopes,
      createdBy: null,
      createdOn: BUILT_IN_DATE,
      description: d.description,
      permissions: d.permissions,
      roleName: d.roleName,
      type: d.roleType,
      updatedBy: null,
      updatedOn: BUILT_IN_DATE,
    },
  };
}
