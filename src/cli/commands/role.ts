import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { rgPath } from '../arm-paths.js';
import { CliError } from '../errors.js';
import type { ApiClient } from '../client.js';

export const AUTHZ_API = '2022-04-01';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
type Obj = Record<string, unknown>;

/** az flattens ARM's `properties` into the object. */
const flatten = (o: Obj): Obj => {
  const { properties, ...rest } = o;
  return { ...rest, ...((properties as Obj) ?? {}) };
};

export interface ResolvedPrincipal {
  objectId: string;
  appId: string | null;
  displayName: string;
  type: string;
}

/** Resolves an assignee (object id, app/client id, or managed identity resource id) through the directory API. */
export async function resolvePrincipal(c: ApiClient, assignee: string): Promise<ResolvedPrincipal> {
  try {
    return await c.request<ResolvedPrincipal>(`/dockyard/v1/principals/${encodeURIComponent(assignee)}`);
  } catch (err) {
    if (err instanceof CliError && err.code === 'PrincipalNotFound')
      throw new CliError(
        'PrincipalNotFound',
        `Cannot find user or service principal in graph database for '${assignee}'. If the assignee is an appId, make sure the corresponding service principal is created.`,
      );
    throw err;
  }
}

async function roleDefinitions(c: ApiClient, sub: string, name?: string): Promise<Obj[]> {
  const query: Record<string, string> = { 'api-version': AUTHZ_API };
  if (name && !GUID.test(name)) query.$filter = `roleName eq '${name}'`;
  const r = await c.request<{ value: Obj[] }>(
    `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions`,
    { query },
  );
  const all = r.value.map(flatten);
  return name && GUID.test(name) ? all.filter((d) => String(d.name).toLowerCase() === name.toLowerCase()) : all;
}

async function scopeOf(ctx: CommandContext, c: ApiClient): Promise<string> {
  if (ctx.opts.scope) return String(ctx.opts.scope).replace(/\/+$/, '');
  if (ctx.opts.resourceGroup) {
    const p = await rgPath(c, String(ctx.opts.resourceGroup), ctx.opts.subscription);
    return p.replace('/resourcegroups/', '/resourceGroups/');
  }
  return `/subscriptions/${await c.subscriptionId(ctx.opts.subscription)}`;
}

const rgOf = (scope: string): string | undefined => /\/resourcegroups\/([^/]+)/i.exec(scope)?.[1];

async function decorate(c: ApiClient, sub: string, items: Obj[]): Promise<Obj[]> {
  const defs = await roleDefinitions(c, sub);
  const names = new Map(defs.map((d) => [String(d.name).toLowerCase(), String(d.roleName)]));
  const principals = new Map<string, string>();
  for (const a of items) {
    const pid = String(a.principalId);
    if (!principals.has(pid))
      principals.set(
        pid,
        await resolvePrincipal(c, pid)
          .then((p) => p.appId ?? p.displayName)
          .catch(() => ''),
      );
  }
  return items.map((a) => ({
    ...a,
    principalName: principals.get(String(a.principalId)) ?? '',
    resourceGroup: rgOf(String(a.scope)) ?? null,
    roleDefinitionName: names.get(String(a.roleDefinitionId).split('/').pop()!.toLowerCase()) ?? '',
  }));
}

const table = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((a: Obj) => ({
    Principal: a.principalName ?? a.principalId,
    Role: a.roleDefinitionName ?? a.roleDefinitionId,
    Scope: a.scope,
  }));

async function listAssignments(ctx: CommandContext, c: ApiClient): Promise<Obj[]> {
  const sub = await c.subscriptionId(ctx.opts.subscription);
  const scope = await scopeOf(ctx, c);
  const query: Record<string, string> = { 'api-version': AUTHZ_API };
  let principalId: string | undefined;
  if (ctx.opts.assignee) {
    principalId = (await resolvePrincipal(c, String(ctx.opts.assignee))).objectId;
    query.$filter = `principalId eq '${principalId}'`;
  }
  const r = await c.request<{ value: Obj[] }>(`${scope}/providers/Microsoft.Authorization/roleAssignments`, { query });
  let items = r.value.map(flatten);
  if (!ctx.opts.all && (ctx.opts.scope || ctx.opts.resourceGroup))
    items = items.filter((a) => String(a.scope).toLowerCase() === scope.toLowerCase());
  if (ctx.opts.role) {
    const def = (await roleDefinitions(c, sub, String(ctx.opts.role)))[0];
    if (!def) throw new CliError('RoleDefinitionNotFound', `Role '${String(ctx.opts.role)}' doesn't exist.`);
    items = items.filter((a) => String(a.roleDefinitionId).toLowerCase().endsWith(String(def.name).toLowerCase()));
  }
  return decorate(c, sub, items);
}

export function roleCommands(): Command {
  const role = new Command('role').description('Manage Azure role-based access control (Azure RBAC).');
  const assignment = role.command('assignment').description('Manage role assignments.');
  const scoped = (cmd: Command) =>
    cmd
      .option('--scope <scope>', 'Scope at which the role assignment applies')
      .option('-g, --resource-group <rg>', 'Use it only if the role assignment applies to a resource group');

  leaf(
    scoped(
      assignment.command('create').description('Create a new role assignment for a user, group, or service principal.'),
    )
      .option(
        '--assignee <assignee>',
        'Represent a user, group, or service principal (object id, app id, or identity resource id)',
      )
      .option('--assignee-object-id <id>', 'Use this parameter instead of --assignee to bypass graph lookups')
      .option('--assignee-principal-type <type>', 'User, Group, ServicePrincipal, ForeignGroup')
      .option('--role <role>', 'Role name or id')
      .option('--description <text>', 'Description of role assignment'),
    async (ctx) => {
      const c = ctx.client();
      const roleName = requireOpt(ctx.opts, 'role', '--role');
      if (!ctx.opts.assignee && !ctx.opts.assigneeObjectId)
        throw new CliError('CliUsage', 'usage error: --assignee STRING | --assignee-object-id GUID', 2);
      const sub = await c.subscriptionId(ctx.opts.subscription);
      const def = (await roleDefinitions(c, sub, roleName))[0];
      if (!def) throw new CliError('RoleDefinitionNotFound', `Role '${roleName}' doesn't exist.`);
      const principal = ctx.opts.assigneeObjectId
        ? {
            objectId: String(ctx.opts.assigneeObjectId),
            type: String(ctx.opts.assigneePrincipalType ?? 'ServicePrincipal'),
          }
        : await resolvePrincipal(c, String(ctx.opts.assignee));
      const scope = await scopeOf(ctx, c);
      const principalType = ctx.opts.assigneePrincipalType ?? (principal.type === 'User' ? 'User' : 'ServicePrincipal');
      const created = await c.request<Obj>(
        `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
        {
          method: 'PUT',
          query: { 'api-version': AUTHZ_API },
          body: {
            properties: {
              roleDefinitionId: def.id,
              principalId: principal.objectId,
              principalType,
              ...(ctx.opts.description ? { description: ctx.opts.description } : {}),
            },
          },
        },
      );
      const flat = flatten(created);
      return { ...flat, resourceGroup: rgOf(String(flat.scope)) ?? null };
    },
    table,
  );

  leaf(
    scoped(assignment.command('list').description('List role assignments.'))
      .option('--assignee <assignee>')
      .option('--role <role>')
      .option('--all', 'Show all assignments under the current subscription'),
    async (ctx) => listAssignments(ctx, ctx.client()),
    table,
  );

  leaf(
    scoped(assignment.command('delete').description('Delete role assignments.'))
      .option('--assignee <assignee>')
      .option('--role <role>')
      .option('--ids <ids...>', 'Space-separated role assignment ids'),
    async (ctx) => {
      const c = ctx.client();
      let ids = (ctx.opts.ids as string[] | undefined) ?? [];
      if (ids.length === 0) {
        if (!ctx.opts.assignee && !ctx.opts.role)
          throw new CliError('CliUsage', 'usage error: --ids | --assignee ... | --role ...', 2);
        ids = (await listAssignments(ctx, c)).map((a) => String(a.id));
        if (ids.length === 0) {
          ctx.warn('No matched assignments were found to delete');
          return undefined;
        }
      }
      for (const id of ids) await c.request(id, { method: 'DELETE', query: { 'api-version': AUTHZ_API } });
      return undefined;
    },
  );

  const definition = role.command('definition').description('Manage role definitions.');
  leaf(
    definition
      .command('list')
      .description('List role definitions.')
      .option('-n, --name <name>', "A role's name or id")
      .option('--custom-role-only', 'Custom roles only')
      .option('--scope <scope>'),
    async (ctx) => {
      const c = ctx.client();
      const sub = await c.subscriptionId(ctx.opts.subscription);
      const defs = await roleDefinitions(c, sub, ctx.opts.name as string | undefined);
      return defs
        .filter((d) => !ctx.opts.customRoleOnly || d.type === 'CustomRole')
        .map((d) => ({ ...d, roleType: d.type, type: 'Microsoft.Authorization/roleDefinitions' }));
    },
    (r) =>
      (Array.isArray(r) ? r : [r]).map((d: Obj) => ({
        Name: d.roleName,
        Type: d.roleType,
        Description: d.description,
      })),
  );
  return role;
}
