import type { RoleDefinition } from './role-definitions.js';

/** A role assignment as the authorizer sees it. */
export interface RoleAssignmentGrant {
  principalId: string;
  /** The role's GUID or full role definition id. */
  roleDefinitionId: string;
  scope: string;
}

export type PermissionKind = 'action' | 'dataAction';

const patternCache = new Map<string, RegExp>();

/**
 * Azure's action wildcards: `*` matches any run of characters (incl. `/`), and a wildcard that is a whole segment
 * (slash, star, slash) may also stand for no segment: `userAssignedIdentities/<star>/assign/action` grants
 * `userAssignedIdentities/assign/action`, which the Managed Identity Operator role relies on. Case-insensitive.
 */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*') return true;
  let re = patternCache.get(pattern);
  if (!re) {
    const body = pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body.replaceAll('\\/.*\\/', '(?:\\/.*)?\\/')}$`, 'i');
    patternCache.set(pattern, re);
  }
  return re.test(action);
}

const norm = (s: string): string => {
  const t = s.trim().replace(/\/+$/, '').toLowerCase();
  return t === '' ? '/' : t;
};

/** True when an assignment at `assignmentScope` applies to `scope` (same scope or an ancestor; `/` covers all). */
export function scopeCovers(assignmentScope: string, scope: string): boolean {
  const a = norm(assignmentScope);
  const s = norm(scope);
  return a === '/' || s === a || s.startsWith(`${a}/`);
}

const roleGuid = (id: string): string => {
  const l = id.toLowerCase();
  return l.slice(l.lastIndexOf('/') + 1);
};

/** Does one role definition grant `action`? Checks actions/notActions (or dataActions/notDataActions). */
export function roleGrants(def: RoleDefinition, action: string, kind: PermissionKind = 'action'): boolean {
  for (const p of def.permissions) {
    const allow = kind === 'action' ? p.actions : p.dataActions;
    const deny = kind === 'action' ? p.notActions : p.notDataActions;
    if (allow.some((a) => actionMatches(a, action)) && !deny.some((n) => actionMatches(n, action))) return true;
  }
  return false;
}

/**
 * THE authorization decision: may `principalId` perform `action` on `scope`? Deny by default; an assignment applies
 * at its scope and everything below it (case-insensitive); a role grants an action when one of its permission blocks
 * matches it and none of that block's not-actions does. Pure: same inputs, same answer.
 */
export function authorize(
  assignments: readonly RoleAssignmentGrant[],
  definitions: readonly RoleDefinition[],
  principalId: string,
  action: string,
  scope: string,
  kind: PermissionKind = 'action',
): boolean {
  const pid = principalId.toLowerCase();
  for (const a of assignments) {
    if (a.principalId.toLowerCase() !== pid || !scopeCovers(a.scope, scope)) continue;
    const guid = roleGuid(a.roleDefinitionId);
    const def = definitions.find((d) => d.id.toLowerCase() === guid);
    if (def && roleGrants(def, action, kind)) return true;
  }
  return false;
}

/** Of `actions`, the ones `principalId` holds on `scope` (used to scope registry tokens). */
export function grantedOf(
  assignments: readonly RoleAssignmentGrant[],
  definitions: readonly RoleDefinition[],
  principalId: string,
  actions: readonly string[],
  scope: string,
  kind: PermissionKind = 'action',
): string[] {
  return actions.filter((a) => authorize(assignments, definitions, principalId, a, scope, kind));
}
