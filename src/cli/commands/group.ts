import { Command } from 'commander';
import { leaf, requireOpt } from '../command-kit.js';
import { API, rgPath } from '../arm-paths.js';

const table = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((g: Record<string, unknown>) => ({
    Name: g.name,
    Location: g.location,
    Status: (g.properties as { provisioningState?: string })?.provisioningState,
  }));

export function groupCommands(): Command {
  const group = new Command('group').description('Manage resource groups.');
  leaf(
    group
      .command('create')
      .description('Create a new resource group.')
      .option('-n, --name <name>', 'Name of the new resource group')
      .option('-g, --resource-group <name>', 'Alias of --name')
      .option('-l, --location <location>', 'Location')
      .option('--tags <tags...>', 'space-separated tags: key[=value]'),
    async (ctx) => {
      const name = (ctx.opts.name ?? ctx.opts.resourceGroup) as string;
      requireOpt({ name }, 'name', '--name/-n/--resource-group/-g');
      requireOpt(ctx.opts, 'location', '--location/-l');
      const c = ctx.client();
      return c.request(await rgPath(c, name, ctx.opts.subscription), {
        method: 'PUT',
        query: { 'api-version': API.resources },
        body: { location: ctx.opts.location, tags: parseTags(ctx.opts.tags as string[] | undefined) },
      });
    },
    table,
  );
  leaf(
    group
      .command('show')
      .description('Gets a resource group.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <name>'),
    async (ctx) => {
      const name = (ctx.opts.name ?? ctx.opts.resourceGroup) as string;
      requireOpt({ name }, 'name', '--name/-n/--resource-group/-g');
      const c = ctx.client();
      return c.request(await rgPath(c, name, ctx.opts.subscription), { query: { 'api-version': API.resources } });
    },
    table,
  );
  leaf(
    group
      .command('exists')
      .description('Check if a resource group exists.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <name>'),
    async (ctx) => {
      const name = (ctx.opts.name ?? ctx.opts.resourceGroup) as string;
      requireOpt({ name }, 'name', '--name/-n');
      const c = ctx.client();
      const r = await c.request(await rgPath(c, name, ctx.opts.subscription), {
        query: { 'api-version': API.resources },
        allow404: true,
      });
      return r !== null;
    },
  );
  leaf(
    group.command('list').description('List resource groups.'),
    async (ctx) => {
      const c = ctx.client();
      const r = await c.request<{ value: unknown[] }>(
        `/subscriptions/${await c.subscriptionId(ctx.opts.subscription)}/resourcegroups`,
        { query: { 'api-version': API.resources } },
      );
      return r.value;
    },
    table,
  );
  leaf(
    group
      .command('delete')
      .description('Delete a resource group.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <name>')
      .option('-y, --yes', 'Do not prompt for confirmation')
      .option('--no-wait', 'Do not wait'),
    async (ctx) => {
      const name = (ctx.opts.name ?? ctx.opts.resourceGroup) as string;
      requireOpt({ name }, 'name', '--name/-n/--resource-group/-g');
      const c = ctx.client();
      await c.request(await rgPath(c, name, ctx.opts.subscription), {
        method: 'DELETE',
        query: { 'api-version': API.resources },
      });
      return undefined;
    },
  );
  return group;
}

export function parseTags(tags: string[] | undefined): Record<string, string> | undefined {
  if (!tags) return undefined;
  const out: Record<string, string> = {};
  for (const t of tags) {
    const i = t.indexOf('=');
    if (i < 0) out[t] = '';
    else out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}
