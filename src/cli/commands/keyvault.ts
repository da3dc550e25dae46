import { Command } from 'commander';
import { leaf, parseBool, requireOpt, type CommandContext } from '../command-kit.js';
import { API, rgPath } from '../arm-paths.js';
import { CliError } from '../errors.js';
import type { ApiClient } from '../client.js';
import { parseTags } from './group.js';
import { resolvePrincipal } from './role.js';
import { secretCommands } from './keyvault-secret.js';

export const KV_API = '2023-07-01';
type Obj = Record<string, unknown>;

/** Finds a vault by name in the subscription (optionally in a resource group). */
export async function findVault(c: ApiClient, name: string, rg?: string, sub?: string): Promise<Obj> {
  const list = await c.request<{ value: Obj[] }>(
    `/subscriptions/${await c.subscriptionId(sub)}/providers/Microsoft.KeyVault/vaults`,
    { query: { 'api-version': KV_API } },
  );
  const found = list.value.find(
    (v) =>
      String(v.name).toLowerCase() === name.toLowerCase() &&
      (!rg || String(v.resourceGroup).toLowerCase() === rg.toLowerCase()),
  );
  if (!found) throw new CliError('ResourceNotFound', `The Vault '${name}' not found within subscription.`);
  return found;
}

const table = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((v: Obj) => ({
    Location: v.location,
    Name: v.name,
    ResourceGroup: v.resourceGroup,
  }));
const perms = (v: unknown): string[] =>
  ((v as string[] | undefined) ?? []).flatMap((x) => x.split(/[\s,]+/)).filter(Boolean);

async function policyTarget(ctx: CommandContext, c: ApiClient): Promise<string> {
  if (ctx.opts.objectId) return String(ctx.opts.objectId);
  const who = (ctx.opts.spn ?? ctx.opts.upn) as string | undefined;
  if (!who) throw new CliError('CliUsage', 'usage error: --object-id ID | --spn SPN | --upn UPN', 2);
  return (await resolvePrincipal(c, who)).objectId;
}

export function keyvaultCommands(): Command {
  const kv = new Command('keyvault').description('Manage KeyVault keys, secrets, and certificates.');
  leaf(
    kv
      .command('create')
      .description('Create a Vault.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('-l, --location <location>')
      .option('--sku <sku>', 'standard | premium', 'standard')
      .option('--enable-rbac-authorization [bool]', 'Use RBAC instead of access policies for data-plane authorization')
      .option('--retention-days <days>')
      .option('--tags <tags...>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const rg = requireOpt(ctx.opts, 'resourceGroup', '--resource-group/-g');
      const c = ctx.client();
      const base = await rgPath(c, rg, ctx.opts.subscription);
      const location =
        (ctx.opts.location as string | undefined) ??
        (await c.request<{ location: string }>(base, { query: { 'api-version': API.resources } })).location;
      const rbac = parseBool(
        ctx.opts.enableRbacAuthorization as string | boolean | undefined,
        '--enable-rbac-authorization',
      );
      const { tenantId } = await c.platformInfo();
      return c.request(`${base}/providers/Microsoft.KeyVault/vaults/${encodeURIComponent(name)}`, {
        method: 'PUT',
        query: { 'api-version': KV_API },
        body: {
          location,
          tags: parseTags(ctx.opts.tags as string[] | undefined),
          properties: {
            tenantId,
            sku: { family: 'A', name: ctx.opts.sku },
            ...(rbac !== undefined ? { enableRbacAuthorization: rbac } : {}),
          },
        },
      });
    },
    table,
  );
  leaf(
    kv
      .command('show')
      .description('Show details of a Vault.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const c = ctx.client();
      const v = await findVault(
        c,
        requireOpt(ctx.opts, 'name', '--name/-n'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      return c.request(String(v.id), { query: { 'api-version': KV_API } });
    },
    table,
  );
  leaf(
    kv.command('list').description('List Vaults.').option('-g, --resource-group <rg>'),
    async (ctx) => {
      const c = ctx.client();
      const path = ctx.opts.resourceGroup
        ? `${await rgPath(c, String(ctx.opts.resourceGroup), ctx.opts.subscription)}/providers/Microsoft.KeyVault/vaults`
        : `/subscriptions/${await c.subscriptionId(ctx.opts.subscription)}/providers/Microsoft.KeyVault/vaults`;
      return (await c.request<{ value: Obj[] }>(path, { query: { 'api-version': KV_API } })).value;
    },
    table,
  );
  leaf(
    kv.command('delete').description('Delete a Vault.').option('-n, --name <name>').option('-g, --resource-group <rg>'),
    async (ctx) => {
      const c = ctx.client();
      const v = await findVault(
        c,
        requireOpt(ctx.opts, 'name', '--name/-n'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      await c.request(String(v.id), { method: 'DELETE', query: { 'api-version': KV_API } });
      return undefined;
    },
  );
  leaf(
    kv
      .command('set-policy')
      .description('Update security policy settings for a Key Vault.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('--object-id <id>')
      .option('--spn <spn>')
      .option('--upn <upn>')
      .option('--secret-permissions <perms...>')
      .option('--key-permissions <perms...>')
      .option('--certificate-permissions <perms...>')
      .option('--storage-permissions <perms...>'),
    async (ctx) => {
      const c = ctx.client();
      const v = await findVault(
        c,
        requireOpt(ctx.opts, 'name', '--name/-n'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      const objectId = await policyTarget(ctx, c);
      const permissions = {
        secrets: perms(ctx.opts.secretPermissions),
        keys: perms(ctx.opts.keyPermissions),
        certificates: perms(ctx.opts.certificatePermissions),
        storage: perms(ctx.opts.storagePermissions),
      };
      const { tenantId } = await c.platformInfo();
      await c.request(`${String(v.id)}/accessPolicies/add`, {
        method: 'PUT',
        query: { 'api-version': KV_API },
        body: { properties: { accessPolicies: [{ tenantId, objectId, permissions }] } },
      });
      return c.request(String(v.id), { query: { 'api-version': KV_API } });
    },
  );
  leaf(
    kv
      .command('delete-policy')
      .description('Delete security policy settings for a Key Vault.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('--object-id <id>')
      .option('--spn <spn>')
      .option('--upn <upn>'),
    async (ctx) => {
      const c = ctx.client();
      const v = await findVault(
        c,
        requireOpt(ctx.opts, 'name', '--name/-n'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      const objectId = await policyTarget(ctx, c);
      const { tenantId } = await c.platformInfo();
      await c.request(`${String(v.id)}/accessPolicies/remove`, {
        method: 'PUT',
        query: { 'api-version': KV_API },
        body: {
          properties: {
            accessPolicies: [
              { tenantId, objectId, permissions: { secrets: [], keys: [], certificates: [], storage: [] } },
            ],
          },
        },
      });
      return c.request(String(v.id), { query: { 'api-version': KV_API } });
    },
  );
  kv.addCommand(secretCommands());
  return kv;
}
