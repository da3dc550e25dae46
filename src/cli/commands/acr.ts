import { Command } from 'commander';
import { leaf, parseBool, requireOpt } from '../command-kit.js';
import { API, findRegistry, rgPath } from '../arm-paths.js';
import { CliError } from '../errors.js';
import { parseTags } from './group.js';
import { addAcrParts } from './acr-parts.js';

export const registryTable = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((x: Record<string, unknown>) => ({
    NAME: x.name,
    'RESOURCE GROUP': x.resourceGroup,
    LOCATION: x.location,
    SKU: (x.sku as { name?: string })?.name,
    'LOGIN SERVER': x.loginServer,
    'CREATION DATE': x.creationDate,
    'ADMIN ENABLED': x.adminUserEnabled,
  }));

/**
 * `dockyard acr ...` — registry management. The subgroups (repository, task, ...) come from their own files, imported
 * only when `args` (the words after `acr`; omitted = all) can use them (acr-parts.ts).
 */
export async function acrCommands(args?: string[]): Promise<Command> {
  const acr = new Command('acr').description('Manage private registries with Azure Container Registries.');

  leaf(
    acr
      .command('create')
      .description('Create an Azure Container Registry.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('--sku <sku>', 'Basic, Standard or Premium')
      .option('-l, --location <location>')
      .option('--admin-enabled <bool>', 'Indicates whether the admin user is enabled')
      .option('--public-network-enabled <bool>')
      .option('--allow-trusted-services <bool>')
      .option('--default-action <action>', 'Allow or Deny')
      .option('--tags <tags...>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const rg = requireOpt(ctx.opts, 'resourceGroup', '--resource-group/-g');
      const sku = requireOpt(ctx.opts, 'sku', '--sku');
      const c = ctx.client();
      const base = await rgPath(c, rg, ctx.opts.subscription);
      let location = ctx.opts.location as string | undefined;
      if (!location)
        location = (await c.request<{ location: string }>(base, { query: { 'api-version': API.resources } })).location;
      const avail = await c.request<{ nameAvailable: boolean; message?: string; reason?: string }>(
        `/subscriptions/${await c.subscriptionId(ctx.opts.subscription)}/providers/Microsoft.ContainerRegistry/checkNameAvailability`,
        {
          method: 'POST',
          query: { 'api-version': API.registries },
          body: { name, type: 'Microsoft.ContainerRegistry/registries' },
        },
      );
      if (!avail.nameAvailable && avail.reason === 'AlreadyExists')
        throw new CliError('AlreadyInUse', `The registry DNS name ${name.toLowerCase()} is already in use.`);
      const properties: Record<string, unknown> = {
        adminUserEnabled: parseBool(ctx.opts.adminEnabled as string, '--admin-enabled') ?? false,
      };
      const pub = parseBool(ctx.opts.publicNetworkEnabled as string, '--public-network-enabled');
      if (pub !== undefined) properties.publicNetworkAccess = pub ? 'Enabled' : 'Disabled';
      const trusted = parseBool(ctx.opts.allowTrustedServices as string, '--allow-trusted-services');
      if (trusted !== undefined) properties.networkRuleBypassOptions = trusted ? 'AzureServices' : 'None';
      if (ctx.opts.defaultAction) properties.networkRuleSet = { defaultAction: ctx.opts.defaultAction, ipRules: [] };
      return c.request(`${base}/providers/Microsoft.ContainerRegistry/registries/${encodeURIComponent(name)}`, {
        method: 'PUT',
        query: { 'api-version': API.registries },
        body: { location, sku: { name: sku }, properties, tags: parseTags(ctx.opts.tags as string[] | undefined) },
      });
    },
    registryTable,
  );

  leaf(
    acr
      .command('show')
      .description('Get the details of an Azure Container Registry.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      return findRegistry(ctx.client(), name, ctx.opts.resourceGroup as string | undefined, ctx.opts.subscription);
    },
    registryTable,
  );

  leaf(
    acr
      .command('list')
      .description('List all container registries under the current subscription.')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const c = ctx.client();
      const path = ctx.opts.resourceGroup
        ? `${await rgPath(c, ctx.opts.resourceGroup as string, ctx.opts.subscription)}/providers/Microsoft.ContainerRegistry/registries`
        : `/subscriptions/${await c.subscriptionId(ctx.opts.subscription)}/providers/Microsoft.ContainerRegistry/registries`;
      return (await c.request<{ value: unknown[] }>(path, { query: { 'api-version': API.registries } })).value;
    },
    registryTable,
  );

  leaf(
    acr
      .command('update')
      .description('Update an Azure Container Registry.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('--sku <sku>')
      .option('--admin-enabled <bool>')
      .option('--anonymous-pull-enabled <bool>')
      .option('--public-network-enabled <bool>', 'Allow public network access to the registry')
      .option('--default-action <action>', 'Default action when no rule matches: Allow or Deny')
      .option('--allow-trusted-services <bool>', 'Allow trusted Azure services to access a network-restricted registry')
      .option('--allow-tasks-bypass <bool>', 'networkRuleBypassAllowedForTasks (api-version 2025-06-01-preview)')
      .option('--tags <tags...>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const c = ctx.client();
      const reg = await findRegistry(c, name, ctx.opts.resourceGroup as string | undefined, ctx.opts.subscription);
      const properties: Record<string, unknown> = {};
      const admin = parseBool(ctx.opts.adminEnabled as string, '--admin-enabled');
      if (admin !== undefined) properties.adminUserEnabled = admin;
      const anon = parseBool(ctx.opts.anonymousPullEnabled as string, '--anonymous-pull-enabled');
      if (anon !== undefined) properties.anonymousPullEnabled = anon;
      const pub = parseBool(ctx.opts.publicNetworkEnabled as string, '--public-network-enabled');
      if (pub !== undefined) properties.publicNetworkAccess = pub ? 'Enabled' : 'Disabled';
      const trusted = parseBool(ctx.opts.allowTrustedServices as string, '--allow-trusted-services');
      if (trusted !== undefined) properties.networkRuleBypassOptions = trusted ? 'AzureServices' : 'None';
      const tasksBypass = parseBool(ctx.opts.allowTasksBypass as string, '--allow-tasks-bypass');
      if (tasksBypass !== undefined) properties.networkRuleBypassAllowedForTasks = tasksBypass;
      if (ctx.opts.defaultAction) {
        const current = (reg.networkRuleSet as { ipRules?: unknown[] } | null) ?? { ipRules: [] };
        properties.networkRuleSet = { defaultAction: ctx.opts.defaultAction, ipRules: current.ipRules ?? [] };
      }
      const body: Record<string, unknown> = { properties };
      if (ctx.opts.sku) body.sku = { name: ctx.opts.sku };
      if (ctx.opts.tags) body.tags = parseTags(ctx.opts.tags as string[]);
      return c.request(String(reg.id), { method: 'PATCH', query: { 'api-version': API.registries }, body });
    },
    registryTable,
  );

  leaf(
    acr
      .command('delete')
      .description('Delete an Azure Container Registry.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('-y, --yes'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const c = ctx.client();
      const reg = await findRegistry(c, name, ctx.opts.resourceGroup as string | undefined, ctx.opts.subscription);
      await c.request(String(reg.id), { method: 'DELETE', query: { 'api-version': API.registries } });
      return undefined;
    },
  );

  leaf(
    acr
      .command('check-name')
      .description('Checks if a container registry name is valid and available for use.')
      .option('-n, --name <name>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const c = ctx.client();
      return c.request(
        `/subscriptions/${await c.subscriptionId(ctx.opts.subscription)}/providers/Microsoft.ContainerRegistry/checkNameAvailability`,
        {
          method: 'POST',
          query: { 'api-version': API.registries },
          body: { name, type: 'Microsoft.ContainerRegistry/registries' },
        },
      );
    },
  );

  acr.addCommand(networkRuleCommands());
  await addAcrParts(acr, args);
  return acr;
}

function networkRuleCommands(): Command {
  const nr = new Command('network-rule').description('Manage network rules for Azure Container Registries.');
  const change = async (ctx: Parameters<Parameters<typeof leaf>[1]>[0], add: boolean) => {
    const name = requireOpt(ctx.opts, 'name', '--name/-n');
    const ip = requireOpt(ctx.opts, 'ipAddress', '--ip-address');
    const c = ctx.client();
    const reg = await findRegistry(c, name, ctx.opts.resourceGroup as string | undefined, ctx.opts.subscription);
    const set = (reg.networkRuleSet as {
      defaultAction: string;
      ipRules: Array<{ ipAddressOrRange: string }>;
    } | null) ?? { defaultAction: 'Allow', ipRules: [] };
    let rules = set.ipRules ?? [];
    if (add) {
      if (rules.some((r) => r.ipAddressOrRange === ip))
        throw new CliError('InvalidParameter', `IP rule '${ip}' already exists.`);
      rules = [...rules, { ipAddressOrRange: ip }];
    } else {
      if (!rules.some((r) => r.ipAddressOrRange === ip))
        throw new CliError('ResourceNotFound', `IP rule '${ip}' does not exist.`);
      rules = rules.filter((r) => r.ipAddressOrRange !== ip);
    }
    const res = await c.request<Record<string, unknown>>(String(reg.id), {
      method: 'PATCH',
      query: { 'api-version': API.registries },
      body: {
        properties: {
          networkRuleSet: {
            defaultAction: set.defaultAction,
            ipRules: rules.map((r) => ({ action: 'Allow', ipAddressOrRange: r.ipAddressOrRange })),
          },
        },
      },
    });
    return res.networkRuleSet;
  };
  leaf(
    nr
      .command('add')
      .description('Add a network rule.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('--ip-address <ip>', 'IPv4 address or CIDR range'),
    (ctx) => change(ctx, true),
  );
  leaf(
    nr
      .command('remove')
      .description('Remove a network rule.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('--ip-address <ip>'),
    (ctx) => change(ctx, false),
  );
  leaf(
    nr
      .command('list')
      .description('List network rules.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const reg = await findRegistry(
        ctx.client(),
        name,
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      const set = reg.networkRuleSet as { ipRules?: unknown[] } | null;
      return { ipRules: set?.ipRules ?? [] };
    },
  );
  return nr;
}
