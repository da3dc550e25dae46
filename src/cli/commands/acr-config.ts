import { Command } from 'commander';
import { leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { API, findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';

const PREMIUM_ONLY = 'Policies are only supported for managed registries in Premium SKU.';

async function premiumRegistry(ctx: CommandContext): Promise<Record<string, unknown>> {
  const name = requireOpt(ctx.opts, 'registry', '--registry/-r');
  const reg = await findRegistry(
    ctx.client(),
    name,
    ctx.opts.resourceGroup as string | undefined,
    ctx.opts.subscription,
  );
  // As az: refused client-side for anything but Premium.
  if ((reg.sku as { name?: string } | undefined)?.name !== 'Premium')
    throw new CliError('InvalidParameter', PREMIUM_ONLY);
  return reg;
}

/** `dockyard acr config retention show|update` — the registry's retention policy for untagged manifests (Premium). */
export function acrConfigCommands(): Command {
  const config = new Command('config').description('Configure policies for Azure Container Registries.');
  const retention = config.command('retention').description('Manage retention policy for Azure Container Registries.');
  const common = (c: Command) =>
    c.option('-r, --registry <registry>', 'The name of the container registry').option('-g, --resource-group <rg>');

  leaf(
    common(retention.command('show').description('Get the retention policy for an Azure Container Registry.')),
    async (ctx) => {
      const reg = await premiumRegistry(ctx);
      return (reg.policies as { retentionPolicy?: unknown } | undefined)?.retentionPolicy;
    },
  );

  leaf(
    common(retention.command('update').description('Update the retention policy for an Azure Container Registry.'))
      .option('--status <status>', 'enabled or disabled')
      .option('--days <days>', 'Untagged manifests older than this many days (0 to 365) are deleted', '7')
      .option('--type <type>', 'The type of retention policy: UntaggedManifests'),
    async (ctx) => {
      const type = requireOpt(ctx.opts, 'type', '--type');
      if (type !== 'UntaggedManifests')
        throw new CliError(
          'CliUsage',
          `argument --type: invalid choice: '${type}' (choose from 'UntaggedManifests')`,
          2,
        );
      const days = Number(ctx.opts.days);
      if (!Number.isInteger(days) || days < 0 || days > 365)
        throw new CliError('CliUsage', 'argument --days: must be a whole number from 0 to 365', 2);
      const reg = await premiumRegistry(ctx);
      const policies = { ...((reg.policies as Record<string, unknown> | undefined) ?? {}) };
      const current = (policies.retentionPolicy as Record<string, unknown> | undefined) ?? {};
      policies.retentionPolicy = { ...current, days, ...(ctx.opts.status ? { status: ctx.opts.status } : {}) };
      const updated = await ctx.client().request<{
        policies?: { retentionPolicy?: unknown };
      }>(String(reg.id), { method: 'PATCH', query: { 'api-version': API.registries }, body: { properties: { policies } } });
      return updated.policies?.retentionPolicy;
    },
  );
  return config;
}
