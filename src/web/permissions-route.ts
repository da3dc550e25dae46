import type { FastifyInstance } from 'fastify';
import { DockyardError, parseResourceId, type Principal } from '../shared/index.js';
import { requirePrincipal, type Authorizer } from '../http/index.js';

/** The actions the dashboard asks about by default (it hides what the caller may not do). */
export const DASHBOARD_ACTIONS = [
  'Microsoft.ContainerRegistry/registries/read',
  'Microsoft.ContainerRegistry/registries/write',
  'Microsoft.ContainerRegistry/registries/delete',
  'Microsoft.ContainerRegistry/registries/scheduleRun/action',
  'Microsoft.ContainerRegistry/registries/runs/read',
  'Microsoft.ContainerRegistry/registries/runs/cancel/action',
  'Microsoft.ContainerRegistry/registries/runs/listLogSasUrl/action',
  'Microsoft.ContainerRegistry/registries/tasks/read',
  'Microsoft.ContainerRegistry/registries/tasks/write',
  'Microsoft.ContainerRegistry/registries/tasks/delete',
  'Microsoft.ContainerRegistry/registries/artifacts/delete',
  'Microsoft.Authorization/roleAssignments/read',
  'Microsoft.Authorization/roleAssignments/write',
  'Microsoft.Authorization/roleAssignments/delete',
];

const MAX_ACTIONS = 50;

/** What the caller may do with a vault's secrets (Key Vault's own rules: access policies or RBAC data actions). */
export type VaultAccess = (
  principal: Principal,
  vaultName: string,
) => Promise<Record<'get' | 'list' | 'set' | 'delete', boolean>>;

/**
 * `GET /dockyard/v1/permissions/vault/<name>`: the secret operations the caller may perform on a vault, decided by
 * the vault's own checks (so the dashboard shows "Set secret" only to principals Key Vault would accept).
 */
export function registerVaultPermissionsRoute(app: FastifyInstance, access: VaultAccess): void {
  app.get<{ Params: { name: string } }>('/dockyard/v1/permissions/vault/:name', async (req) => {
    const principal = requirePrincipal(req);
    const name = req.params.name;
    if (!/^[a-zA-Z0-9-]{3,24}$/.test(name))
      throw new DockyardError('InvalidParameter', `The vault name '${name}' is invalid.`);
    return { vault: name, allowed: await access(principal, name) };
  });
}

/**
 * `GET /dockyard/v1/permissions?scope=<resource id>[&actions=a,b]`: which of the actions the caller may perform on
 * the scope, answered by the same Authorizer the ARM routes use. Answers only about the caller.
 */
export function registerPermissionsRoute(app: FastifyInstance, authorizer: Authorizer): void {
  app.get<{ Querystring: { scope?: string; actions?: string } }>('/dockyard/v1/permissions', async (req) => {
    const principal = requirePrincipal(req);
    const scope = req.query.scope ?? '';
    if (scope !== '/' && !parseResourceId(scope))
      throw new DockyardError('InvalidScope', `The scope '${scope}' is not valid.`);
    const actions = req.query.actions
      ? req.query.actions
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : DASHBOARD_ACTIONS;
    if (actions.length > MAX_ACTIONS)
      throw new DockyardError('InvalidParameter', `At most ${MAX_ACTIONS} actions may be asked at once.`);
    const allowed: Record<string, boolean> = {};
    for (const a of actions) allowed[a] = await authorizer.isAllowed(principal, a, scope);
    return {
      principal: { objectId: principal.objectId, displayName: principal.displayName, type: principal.type },
      scope,
      allowed,
    };
  });
}
