import { Command } from 'commander';
import { leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';
import { parseTags } from './group.js';

/** az 2.45 sends this api-version for webhooks. */
export const WEBHOOK_API = '2022-02-01-preview';
const ACTIONS = ['push', 'delete', 'quarantine', 'chart_push', 'chart_delete'];

const webhookTable = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((x: Record<string, unknown>) => ({
    NAME: x.name,
    LOCATION: x.location,
    ACTIONS: (x.actions as string[] | undefined)?.join(', '),
    STATUS: x.status,
    SCOPE: x.scope,
    'PROVISIONING STATE': x.provisioningState,
  }));

type EventRecord = {
  id: string;
  eventRequestMessage?: { content?: Record<string, unknown> };
  eventResponseMessage?: { statusCode?: string };
};
const eventsTable = (r: unknown) =>
  (r as EventRecord[]).map((e) => {
    const c = e.eventRequestMessage?.content ?? {};
    const t = c.target as { repository?: string; tag?: string; digest?: string } | undefined;
    return {
      ID: e.id,
      ACTION: c.action,
      IMAGE: t ? `${t.repository}${t.tag ? `:${t.tag}` : t.digest ? `@${t.digest}` : ''}` : '',
      'HTTP STATUS': e.eventResponseMessage?.statusCode ?? '',
      TIMESTAMP: c.timestamp,
    };
  });

/** `k=v` pairs into a header map; a single empty value clears the headers (az on Linux: `--headers ''`). */
export function parseHeaders(values: string[] | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  const out: Record<string, string> = {};
  for (const v of values) {
    if (v === '') continue;
    const i = v.indexOf('=');
    if (i <= 0) throw new CliError('CliUsage', `argument --headers: expected KEY=VALUE, got '${v}'`, 2);
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

function checkActions(actions: string[] | undefined): string[] | undefined {
  if (!actions) return undefined;
  for (const a of actions)
    if (!ACTIONS.includes(a))
      throw new CliError(
        'CliUsage',
        `argument --actions: invalid choice: '${a}' (choose from ${ACTIONS.map((x) => `'${x}'`).join(', ')})`,
        2,
      );
  return actions;
}

async function hookPath(ctx: CommandContext): Promise<{ path: string; reg: Record<string, unknown> }> {
  const name = requireOpt(ctx.opts, 'name', '--name/-n');
  const registry = requireOpt(ctx.opts, 'registry', '--registry/-r');
  const reg = await findRegistry(
    ctx.client(),
    registry,
    ctx.opts.resourceGroup as string | undefined,
    ctx.opts.subscription,
  );
  return { path: `${String(reg.id)}/webhooks/${encodeURIComponent(name)}`, reg };
}

const named = (c: Command) =>
  c
    .option('-n, --name <name>', 'The name of the webhook')
    .option('-r, --registry <registry>', 'The name of the container registry')
    .option('-g, --resource-group <rg>');

/** `dockyard acr webhook create|update|show|list|delete|ping|list-events|get-config` (ARM registries/{r}/webhooks). */
export function acrWebhookCommands(): Command {
  const wh = new Command('webhook').description('Manage webhooks for Azure Container Registries.');
  const q = { 'api-version': WEBHOOK_API };

  leaf(
    named(wh.command('create').description('Create a webhook for an Azure Container Registry.'))
      .option('--uri <uri>', 'The service URI for the webhook to post notifications')
      .option(
        '--actions <actions...>',
        'Space-separated list of actions that trigger the webhook: push, delete, quarantine, chart_push, chart_delete',
      )
      .option(
        '--headers <headers...>',
        "Space-separated custom headers in 'key[=value]' format (secrets: shown only by get-config)",
      )
      .option(
        '--scope <scope>',
        "The scope of repositories where the event can be triggered, e.g. 'foo:*' or 'foo:bar'; empty means all",
      )
      .option('--status <status>', 'enabled or disabled', 'enabled')
      .option('-l, --location <location>')
      .option('--tags <tags...>'),
    async (ctx) => {
      const uri = requireOpt(ctx.opts, 'uri', '--uri');
      const actions = checkActions(requireOpt<string[]>(ctx.opts, 'actions', '--actions'));
      const { path, reg } = await hookPath(ctx);
      const properties: Record<string, unknown> = {
        serviceUri: uri,
        actions,
        status: ctx.opts.status,
        scope: ctx.opts.scope ?? '',
      };
      const headers = parseHeaders(ctx.opts.headers as string[] | undefined);
      if (headers) properties.customHeaders = headers;
      return ctx.client().request(path, {
        method: 'PUT',
        query: q,
        body: {
          location: ctx.opts.location ?? reg.location,
          properties,
          tags: parseTags(ctx.opts.tags as string[] | undefined),
        },
      });
    },
    webhookTable,
  );

  leaf(
    named(wh.command('update').description('Update a webhook.'))
      .option('--uri <uri>')
      .option('--actions <actions...>')
      .option('--headers <headers...>', "custom headers 'key=value'; --headers '' clears them")
      .option('--scope <scope>')
      .option('--status <status>', 'enabled or disabled')
      .option('--tags <tags...>'),
    async (ctx) => {
      const { path } = await hookPath(ctx);
      const properties: Record<string, unknown> = {};
      if (ctx.opts.uri !== undefined) properties.serviceUri = ctx.opts.uri;
      if (ctx.opts.actions !== undefined) properties.actions = checkActions(ctx.opts.actions as string[]);
      if (ctx.opts.headers !== undefined) properties.customHeaders = parseHeaders(ctx.opts.headers as string[]);
      if (ctx.opts.scope !== undefined) properties.scope = ctx.opts.scope;
      if (ctx.opts.status !== undefined) properties.status = ctx.opts.status;
      const body: Record<string, unknown> = { properties };
      if (ctx.opts.tags !== undefined) body.tags = parseTags(ctx.opts.tags as string[]);
      return ctx.client().request(path, { method: 'PATCH', query: q, body });
    },
    webhookTable,
  );

  leaf(
    named(wh.command('show').description('Get the details of a webhook.')),
    async (ctx) => ctx.client().request((await hookPath(ctx)).path, { query: q }),
    webhookTable,
  );

  leaf(
    wh
      .command('list')
      .description('List all of the webhooks for an Azure Container Registry.')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const registry = requireOpt(ctx.opts, 'registry', '--registry/-r');
      const reg = await findRegistry(
        ctx.client(),
        registry,
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      return (await ctx.client().request<{ value: unknown[] }>(`${String(reg.id)}/webhooks`, { query: q })).value;
    },
    webhookTable,
  );

  leaf(named(wh.command('delete').description('Delete a webhook from an Azure Container Registry.')), async (ctx) => {
    await ctx.client().request((await hookPath(ctx)).path, { method: 'DELETE', query: q });
    return undefined;
  });

  leaf(named(wh.command('ping').description('Trigger a ping event for a webhook.')), async (ctx) =>
    ctx.client().request(`${(await hookPath(ctx)).path}/ping`, { method: 'POST', query: q }),
  );

  leaf(
    named(
      wh
        .command('list-events')
        .description('List recent events for a webhook (each delivery with its request and response).'),
    ),
    async (ctx) =>
      (
        await ctx.client().request<{ value: unknown[] }>(`${(await hookPath(ctx)).path}/listEvents`, {
          method: 'POST',
          query: q,
          allPages: true,
        })
      ).value,
    eventsTable,
  );

  leaf(
    named(
      wh
        .command('get-config')
        .description('Get the service URI and custom headers for the webhook (they are secrets).'),
    ),
    async (ctx) =>
      ctx.client().request(`${(await hookPath(ctx)).path}/getCallbackConfig`, { method: 'POST', query: q }),
  );
  return wh;
}
