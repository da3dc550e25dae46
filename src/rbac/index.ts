export {
  authorize,
  grantedOf,
  actionMatches,
  scopeCovers,
  roleGrants,
  type RoleAssignmentGrant,
  type PermissionKind,
} from './authorize.js';
export {
  BUILT_IN_ROLES,
  findRoleDefinition,
  roleDefinitionResourceId,
  type RoleDefinition,
} from './role-definitions.js';
export { RoleAssignments, rbacMigrations, type RoleAssignment } from './assignments.js';
export { Rbac } from './rbac.js';
export { registerRbacRoutes, parseAuthorizationPath, RBAC_API_VERSIONS, type RbacDirectoryPort } from './routes.js';
export { assignmentShape, definitionShape } from './shapes.js';
