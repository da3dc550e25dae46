import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { leaf } from '../command-kit.js';
import { CliError } from '../errors.js';
import { AUTHZ_API } from './role.js';

type Obj = Record<string, unknown>;

/**
 * `dockyard ad sp create-for-rbac [--name n] [--role r --scopes s...]`: a service principal with a client secret, and
 * optionally role assignments, printed in az's shape ({appId, displayName, password, tenant}). Its credentials work with
 * `az login --service-principal` against Dockyard (docs/designs/azure-cli.md).
 */
export function adCommands(): Command {
  const ad = new Command('ad').description('Manage the Dockyard directory (service principals).');
  const sp = ad.command('sp').description('Manage service principals.');
  leaf(
    sp
      .command('create-for-rbac')
      .description('Create a service principal and, with --role and --scopes, assign it a role.')
      .option('-n, --name <name>', 'Display name of the service principal')
      .option('--role <role>', 'Role of the service principal (name or id)')
      .option('--scopes <scopes...>', 'Space-separated scopes the role assignment applies to'),
    async (ctx) => {
      const c = ctx.client();
      const role = ctx.opts.role as string | undefined;
      const scopes = (ctx.opts.scopes as string[] | undefined) ?? [];
      if (scopes.length && !role) throw new CliError('CliUsage', 'usage error: --scopes must be used with --role', 2);
      if (role && !scopes.length) throw new CliError('CliUsage', 'usage error: --role must be used with --scopes', 2);
      let defId: string | undefined;
      if (role) {
        const sub = await c.subscriptionId(ctx.opts.subscription);
        const isGuid = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(role);
        const defs = await c.request<{ value: Obj[] }>(
          `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions`,
          { query: { 'api-version': AUTHZ_API, ...(isGuid ? {} : { $filter: `roleName eq '${role}'` }) } },
        );
        const def = defs.value.find((d) => !isGuid || String(d.name).toLowerCase() === role.toLowerCase());
        if (!def) throw new CliError('RoleDefinitionNotFound', `Role '${role}' doesn't exist.`);
        defId = String(def.id);
      }
      const created = await c.request<{
        appId: string;
        objectId: string;
        displayName: string;
        password: string;
        tenant: string;
      }>('/dockyard/v1/servicePrincipals', {
        method: 'POST',
        body: ctx.opts.name ? { displayName: String(ctx.opts.name) } : {},
      });
      for (const scope of scopes) {
        await c.request(
          `${scope.replace(/\/+$/, '')}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
          {
            method: 'PUT',
            query: { 'api-version': AUTHZ_API },
            body: {
              properties: { roleDefinitionId: defId, principalId: created.objectId, principalType: 'ServicePrincipal' },
            },
          },
        );
      }
      return {
        appId: created.appId,
        displayName: created.displayName,
        password: created.password,
        tenant: created.tenant,
      };
    },
  );
  return ad;
}
