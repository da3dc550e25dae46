import { writeFileSync, chmodSync } from 'node:fs';
import { Command } from 'commander';
import { leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';

/** az 2.45 sends this api-version for agent pools. */
export const AGENTPOOL_API = '2019-06-01-preview';
const q = { 'api-version': AGENTPOOL_API };

const poolTable = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((x: Record<string, unknown>) => ({
    NAME: x.name,
    COUNT: x.count,
    TIER: x.tier,
    OS: x.os,
    'PROVISIONING STATE': x.provisioningState,
  }));

async function poolPath(ctx: CommandContext, needName = true): Promise<{ path: string; reg: Record<string, unknown> }> {
  const registry = requireOpt(ctx.opts, 'registry', '--registry/-r');
  const reg = await findRegistry(
    ctx.client(),
    registry,
    ctx.opts.resourceGroup as string | undefined,
    ctx.opts.subscription,
  );
  const base = `${String(reg.id)}/agentPools`;
  if (!needName) return { path: base, reg };
  return { path: `${base}/${encodeURIComponent(requireOpt(ctx.opts, 'name', '--name/-n'))}`, reg };
}

const named = (c: Command) =>
  c
    .option('-n, --name <name>', 'The name of the agent pool')
    .option('-r, --registry <registry>', 'The name of the container registry')
    .option('-g, --resource-group <rg>');

/** az's delete poller: GET right after DELETE, then until a terminal state or a 404 (acr-reference-2.md §6). */
async function waitDeleted(ctx: CommandContext, path: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const pool = await ctx.client().request<Record<string, unknown> | null>(path, { query: q, allow404: true });
    if (!pool || ['Succeeded', 'Failed', 'Canceled'].includes(String(pool.provisioningState))) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** `dockyard acr agentpool create|update|show|list|delete|credential` (ARM registries/{r}/agentPools; Premium). */
export function acrAgentPoolCommands(): Command {
  const ap = new Command('agentpool').description('Manage private Tasks agent pools with Azure Container Registries.');

  leaf(
    named(ap.command('create').description('Create an agent pool for an Azure Container Registry.'))
      .option('-c, --count <n>', 'The count of the agent pool', '1')
      .option('--tier <tier>', 'S1 (2 CPU, 3 GB), S2 (4, 8), S3 (8, 16), I6 (isolated 64, 216)', 'S1')
      .option('--subnet-id <id>', 'The virtual network subnet resource id (kept, not used by Dockyard)')
      .option('--os <os>', 'Linux (the only supported OS)', 'Linux')
      .option('--no-wait', 'Do not wait for the operation to finish'),
    async (ctx) => {
      const { path, reg } = await poolPath(ctx);
      const properties: Record<string, unknown> = {
        count: Number(ctx.opts.count),
        tier: String(ctx.opts.tier).toUpperCase(),
        os: ctx.opts.os,
      };
      if (ctx.opts.subnetId) properties.virtualNetworkSubnetResourceId = ctx.opts.subnetId;
      return ctx.client().request(path, { method: 'PUT', query: q, body: { location: reg.location, properties } });
    },
    poolTable,
  );

  leaf(
    named(ap.command('update').description('Update an agent pool for an Azure Container Registry.'))
      .option('-c, --count <n>', 'The count of the agent pool')
      .option('--no-wait', 'Do not wait for the operation to finish'),
    async (ctx) => {
      const { path } = await poolPath(ctx);
      const properties: Record<string, unknown> = {};
      if (ctx.opts.count !== undefined) properties.count = Number(ctx.opts.count);
      return ctx.client().request(path, { method: 'PATCH', query: q, body: { properties } });
    },
    poolTable,
  );

  leaf(
    named(ap.command('show').description('Get the properties of an agent pool.')).option(
      '--queue-count',
      'Get only the queue count (runs waiting for an agent of the pool)',
    ),
    async (ctx) => {
      const { path } = await poolPath(ctx);
      if (ctx.opts.queueCount) return ctx.client().request(`${path}/listQueueStatus`, { method: 'POST', query: q });
      return ctx.client().request(path, { query: q });
    },
    poolTable,
  );

  leaf(
    ap
      .command('list')
      .description('List the agent pools of an Azure Container Registry.')
      .option('-r, --registry <registry>', 'The name of the container registry')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const { path } = await poolPath(ctx, false);
      return (await ctx.client().request<{ value: unknown[] }>(path, { query: q })).value;
    },
    poolTable,
  );

  leaf(
    named(ap.command('delete').description('Delete an agent pool.'))
      .option('-y, --yes', 'Do not prompt for confirmation')
      .option('--no-wait', 'Do not wait for the operation to finish'),
    async (ctx) => {
      const { path } = await poolPath(ctx);
      await ctx.client().request(path, { method: 'DELETE', query: q });
      if (ctx.opts.wait !== false) await waitDeleted(ctx, path);
      return undefined;
    },
  );

  leaf(
    named(
      ap
        .command('credential')
        .description(
          "Dockyard: issue the credential `dockyard agent --token-file` uses for this pool (replaces the pool's previous one).",
        ),
    ).option('--token-file <file>', 'Write the credential to this file (mode 0600) instead of printing it'),
    async (ctx) => {
      const { path } = await poolPath(ctx);
      const out = await ctx
        .client()
        .request<Record<string, unknown>>(`${path}/generateCredential`, { method: 'POST', query: q });
      const file = ctx.opts.tokenFile as string | undefined;
      if (!file) return out;
      try {
        writeFileSync(file, `${String(out.token)}\n`, { mode: 0o600 });
        chmodSync(file, 0o600);
      } catch (err) {
        throw new CliError('CliUsage', `Could not write ${file}: ${(err as Error).message}`, 1);
      }
      return { ...out, token: undefined, tokenFile: file };
    },
  );
  return ap;
}
