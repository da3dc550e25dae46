import { DockyardError, type Principal } from '../../shared/index.js';
import type { Authorizer } from '../../http/index.js';
import type { TaskIdentity } from '../resources/model.js';

/** The action Azure requires on a user-assigned identity before any resource may be given it. */
export const ASSIGN_IDENTITY_ACTION = 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action';

/** The user-assigned identity ids an `identity` request body asks for (entries set to null are removals). */
export function requestedUserIdentities(identity: unknown): string[] {
  if (!identity || typeof identity !== 'object') return [];
  const b = identity as Record<string, unknown>;
  if (!/userassigned/i.test(String(b.type ?? ''))) return [];
  const users = b.userAssignedIdentities;
  if (!users || typeof users !== 'object') return [];
  return Object.entries(users as Record<string, unknown>)
    .filter(([, v]) => v !== null)
    .map(([k]) => k);
}

/** The user-assigned identity ids a task already holds. */
export const userIdentitiesOf = (identity: TaskIdentity | null | undefined): string[] =>
  Object.keys(identity?.userAssignedIdentities ?? {});

/**
 * Linked authorization, as ARM does it: a principal that may write a task must also hold
 * `userAssignedIdentities/assign/action` on every user-assigned identity it attaches (or lends its code to). Otherwise
 * 403 `LinkedAuthorizationFailed`, naming the identities it lacks. `already` lists identities the task holds already
 * (attached by someone who had the right), which are not checked again.
 */
export async function requireAssignOnIdentities(
  authorizer: Authorizer,
  principal: Principal,
  identityIds: readonly string[],
  performed: { action: string; scope: string },
  already: readonly string[] = [],
): Promise<void> {
  const held = new Set(already.map((a) => a.toLowerCase()));
  const missing: string[] = [];
  for (const id of identityIds) {
    if (held.has(id.toLowerCase())) continue;
    if (!(await authorizer.isAllowed(principal, ASSIGN_IDENTITY_ACTION, id))) missing.push(id);
  }
  if (!missing.length) return;
  throw new DockyardError(
    'LinkedAuthorizationFailed',
    `The client '${principal.displayName}' with object id '${principal.objectId}' has permission to perform action '${performed.action}' on scope '${performed.scope}'; however, it does not have permission to perform action(s) '${ASSIGN_IDENTITY_ACTION}' on the linked scope(s) '${missing.join(',')}' (respectively) or the linked scope(s) are invalid.`,
  );
}
