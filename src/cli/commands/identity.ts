import { Command } from 'commander';
import { leaf, requireOpt } from '../command-kit.js';
import { API, rgPath } from '../arm-paths.js';
import { parseTags } from './group.js';

const BASE = 'providers/Microsoft.ManagedIdentity/userAssignedIdentities';

const table = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((i: Record<string, unknown>) => ({
    Name: i.name,
    ResourceGroup: i.resourceGroup,
    Location: i.location,
    ClientId: i.clientId,
    PrincipalId: i.principalId,
  }));

export function identityCommands(): Command {
  const identity = new Command('identity').description('Managed Identities.');
  leaf(
    identity
      .command('create')
      .description('Create an identity.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('-l, --location <location>')
      .option('--tags <tags...>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const rg = requireOpt(ctx.opts, 'resourceGroup', '--resource-group/-g');
      const c = ctx.client();
      const base = await rgPath(c, rg, ctx.opts.subscription);
      let location = ctx.opts.location as string | undefined;
      if (!location)
        location = (await c.request<{ location: string }>(base, { query: { 'api-version': API.resources } })).location;
      return c.request(`${base}/${BASE}/${encodeURIComponent(name)}`, {
        method: 'PUT',
        query: { 'api-version': API.identities },
        body: { location, tags: parseTags(ctx.opts.tags as string[] | undefined) },
      });
    },
    table,
  );
  leaf(
    identity
      .command('show')
      .description('Show an identity.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('--ids <id>'),
    async (ctx) => {
      const c = ctx.client();
      if (ctx.opts.ids) return c.request(String(ctx.opts.ids), { query: { 'api-version': API.identities } });
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const rg = requireOpt(ctx.opts, 'resourceGroup', '--resource-group/-g');
      return c.request(`${await rgPath(c, rg, ctx.opts.subscription)}/${BASE}/${encodeURIComponent(name)}`, {
        query: { 'api-version': API.identities },
      });
    },
    table,
  );
  leaf(
    identity.command('list').description('List identities.').option('-g, --resource-group <rg>'),
    async (ctx) => {
      const c = ctx.client();
      const path = ctx.opts.resourceGroup
        ? `${await rgPath(c, ctx.opts.resourceGroup as string, ctx.opts.subscription)}/${BASE}`
        : `/subscriptions/${await c.subscriptionId(ctx.opts.subscription)}/${BASE}`;
      return (await c.request<{ value: unknown[] }>(path, { query: { 'api-version': API.identities } })).value;
    },
    table,
  );
  leaf(
    identity
      .command('delete')
      .description('Delete an identity.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const rg = requireOpt(ctx.opts, 'resourceGroup', '--resource-group/-g');
      const c = ctx.client();
      await c.request(`${await rgPath(c, rg, ctx.opts.subscription)}/${BASE}/${encodeURIComponent(name)}`, {
        method: 'DELETE',
        query: { 'api-version': API.identities },
      });
      return undefined;
    },
  );
  return identity;
}
