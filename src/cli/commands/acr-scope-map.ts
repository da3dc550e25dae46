import { Command, Option } from 'commander';
import { leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';

type Json = Record<string, unknown>;

/** az 2.45 sends this api-version for scope maps, tokens and generateCredentials. */
export const TOKEN_API = '2020-11-01-preview';
export const REPO_ACTIONS = ['content/read', 'content/write', 'content/delete', 'metadata/read', 'metadata/write'];
export const GATEWAY_ACTIONS = ['config/read', 'config/write', 'message/read', 'message/write'];

/** az prints `properties.*` flattened into the resource (a scope map's `properties.type` as `typePropertiesType`, like the SDK model). */
export function flat(x: Json): Json {
  const { properties, ...rest } = x;
  const { type, ...p } = (properties as Json | undefined) ?? {};
  return { ...rest, ...p, ...(type !== undefined ? { typePropertiesType: type } : {}) };
}

/**
 * `--repository REPO ACT [ACT...]` (repeatable; commander merges repeats into one list): a word that is a valid action
 * belongs to the repository before it. Returns `repositories/<repo>/<act>` (or `gateway/<gw>/<act>`) strings.
 */
export function actionsFrom(words: string[] | undefined, kind: 'repositories' | 'gateway', flag: string): string[] {
  if (!words?.length) return [];
  const valid = kind === 'repositories' ? REPO_ACTIONS : GATEWAY_ACTIONS;
  const out: string[] = [];
  let target: string | undefined;
  let count = 0;
  const close = () => {
    if (target !== undefined && count === 0)
      throw new CliError(
        'CliUsage',
        `argument ${flag}: '${target}' has no actions. Valid actions are ${valid.join(', ')}.`,
        2,
      );
  };
  for (const w of words) {
    const lower = w.toLowerCase();
    if (valid.includes(lower)) {
      if (target === undefined)
        throw new CliError('CliUsage', `argument ${flag}: use the format "${flag} NAME ACTION [ACTION ...]".`, 2);
      const a = `${kind}/${target}/${lower}`;
      if (!out.includes(a)) out.push(a);
      count++;
    } else {
      close();
      target = lower;
      count = 0;
    }
  }
  close();
  return out;
}

export async function registryFor(ctx: CommandContext): Promise<Json> {
  return findRegistry(
    ctx.client(),
    requireOpt(ctx.opts, 'registry', '--registry/-r'),
    ctx.opts.resourceGroup as string | undefined,
    ctx.opts.subscription,
  );
}

const scopeMapTable = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((x: Json) => ({
    NAME: x.name,
    TYPE: x.typePropertiesType,
    'CREATION DATE': x.creationDate,
    DESCRIPTION: x.description,
  }));

/** `dockyard acr scope-map create|update|show|list|delete`. */
export function acrScopeMapCommands(): Command {
  const sm = new Command('scope-map').description('Manage scope access maps for Azure Container Registries.');
  const common = (c: Command) =>
    c.option('-r, --registry <name>', 'The name of the container registry').option('-g, --resource-group <rg>');
  const named = (c: Command) => common(c).option('-n, --name <name>', 'The name of the scope map');
  const path = async (ctx: CommandContext) =>
    `${String((await registryFor(ctx)).id)}/scopeMaps/${encodeURIComponent(requireOpt(ctx.opts, 'name', '--name/-n'))}`;
  const q = { 'api-version': TOKEN_API };

  leaf(
    named(sm.command('create').description('Create a scope map for an Azure Container Registry.'))
      .option(
        '--repository <words...>',
        'Repository permissions: "--repository REPO ACTION [ACTION ...]" per flag; actions content/read, content/write, content/delete, metadata/read, metadata/write; REPO may end with /*',
      )
      .option(
        '--gateway <words...>',
        'Connected-registry permissions: "--gateway NAME ACTION [ACTION ...]"; actions config/read, config/write, message/read, message/write',
      )
      .option('--description <text>', 'Description for the scope map (at most 256 characters)'),
    async (ctx) => {
      const actions = [
        ...actionsFrom(ctx.opts.repository as string[], 'repositories', '--repository'),
        ...actionsFrom(ctx.opts.gateway as string[], 'gateway', '--gateway'),
      ];
      if (!actions.length) throw new CliError('CliUsage', 'At least one of --repository or --gateway is required.', 2);
      const body = {
        properties: { actions, ...(ctx.opts.description !== undefined ? { description: ctx.opts.description } : {}) },
      };
      return flat(await ctx.client().request<Json>(await path(ctx), { method: 'PUT', query: q, body }));
    },
    scopeMapTable,
  );

  leaf(
    named(
      sm
        .command('update')
        .description('Update a scope map: add or remove repository/gateway permissions, change the description.'),
    )
      .option(
        '--add-repository <words...>',
        'Repository permissions to add: "--add-repository REPO ACTION [ACTION ...]"',
      )
      .addOption(new Option('--add <words...>').hideHelp())
      .option('--remove-repository <words...>', 'Repository permissions to remove')
      .addOption(new Option('--remove <words...>').hideHelp())
      .option('--add-gateway <words...>', 'Gateway permissions to add')
      .option('--remove-gateway <words...>', 'Gateway permissions to remove')
      .option('--description <text>', 'Description for the scope map'),
    async (ctx) => {
      const o = ctx.opts;
      const add = [
        ...actionsFrom((o.addRepository ?? o.add) as string[], 'repositories', '--add-repository'),
        ...actionsFrom(o.addGateway as string[], 'gateway', '--add-gateway'),
      ];
      const remove = [
        ...actionsFrom((o.removeRepository ?? o.remove) as string[], 'repositories', '--remove-repository'),
        ...actionsFrom(o.removeGateway as string[], 'gateway', '--remove-gateway'),
      ];
      const both = add.filter((a) => remove.includes(a));
      if (both.length) throw new CliError('CliUsage', `Cannot add and remove the same action: ${both.join(', ')}.`, 2);
      if (!add.length && !remove.length && o.description === undefined)
        throw new CliError('CliUsage', 'No scope map properties to update.', 2);
      const p = await path(ctx);
      const current = await ctx.client().request<{ properties: { actions: string[] } }>(p, { query: q });
      const properties: Json = {};
      if (add.length || remove.length) {
        const actions = [
          ...current.properties.actions,
          ...add.filter((a) => !current.properties.actions.includes(a)),
        ].filter((a) => !remove.includes(a));
        if (!actions.length) throw new CliError('CliUsage', 'A scope map must keep at least one action.', 2);
        properties.actions = actions;
      }
      if (o.description !== undefined) properties.description = o.description;
      return flat(await ctx.client().request<Json>(p, { method: 'PATCH', query: q, body: { properties } }));
    },
    scopeMapTable,
  );

  leaf(
    named(sm.command('show').description('Show details and attributes of a scope map.')),
    async (ctx) => flat(await ctx.client().request<Json>(await path(ctx), { query: q })),
    scopeMapTable,
  );

  leaf(
    common(sm.command('list').description('List all scope maps of a registry.')),
    async (ctx) => {
      const r = await ctx
        .client()
        .request<{ value: Json[] }>(`${String((await registryFor(ctx)).id)}/scopeMaps`, { query: q });
      return r.value.map(flat);
    },
    scopeMapTable,
  );

  leaf(
    named(sm.command('delete').description('Delete a scope map (refused while a token uses it).')).option(
      '-y, --yes',
      'Do not prompt for confirmation',
    ),
    async (ctx) => {
      await ctx.client().request(await path(ctx), { method: 'DELETE', query: q });
      return undefined;
    },
  );
  return sm;
}
