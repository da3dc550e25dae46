import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { leaf, parseBool, requireOpt, type CommandContext } from '../command-kit.js';
import { CliError } from '../errors.js';
import { vaultAuthorization } from '../vault-auth.js';
import { parseTags } from './group.js';

const KV_DATA_API = '7.4';
type Obj = Record<string, unknown>;

const iso = (epoch: unknown): string | null =>
  typeof epoch === 'number' ? new Date(epoch * 1000).toISOString().replace('.000Z', '+00:00') : null;
const epoch = (v: unknown, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const t = Date.parse(String(v));
  if (Number.isNaN(t)) throw new CliError('CliUsage', `argument ${flag}: invalid datetime value: '${String(v)}'`, 2);
  return Math.floor(t / 1000);
};

/** az's rendering of a secret bundle/item: attributes as datetimes, `name` split from the id. */
function azSecret(b: Obj): Obj {
  const a = (b.attributes ?? {}) as Obj;
  const id = String(b.id);
  const parts = new URL(id).pathname.split('/').filter(Boolean);
  return {
    attributes: {
      created: iso(a.created),
      enabled: a.enabled,
      expires: iso(a.exp),
      notBefore: iso(a.nbf),
      recoverableDays: a.recoverableDays,
      recoveryLevel: a.recoveryLevel,
      updated: iso(a.updated),
    },
    contentType: b.contentType ?? null,
    id,
    kid: null,
    managed: null,
    name: parts[1],
    tags: b.tags ?? {},
    ...('value' in b ? { value: b.value } : {}),
  };
}

/** `--id https://<vault>.vault.azure.net/secrets/<name>[/<version>]` or --vault-name/--name/--version. */
function target(ctx: CommandContext): { vault: string; name: string; version?: string } {
  if (ctx.opts.id) {
    const u = new URL(String(ctx.opts.id));
    const parts = u.pathname.split('/').filter(Boolean);
    let vault = u.hostname.endsWith('.vault.azure.net') ? u.hostname.split('.')[0] : undefined;
    if (!vault && parts[0] === 'keyvault') vault = parts.splice(0, 2)[1];
    if (!vault || parts[0] !== 'secrets' || !parts[1])
      throw new CliError('CliUsage', `argument --id: invalid secret identifier '${String(ctx.opts.id)}'`, 2);
    return { vault, name: parts[1], ...(parts[2] ? { version: parts[2] } : {}) };
  }
  return {
    vault: requireOpt(ctx.opts, 'vaultName', '--vault-name'),
    name: requireOpt(ctx.opts, 'name', '--name/-n'),
    ...(ctx.opts.version ? { version: String(ctx.opts.version) } : {}),
  };
}

async function data<T = Obj>(
  ctx: CommandContext,
  vault: string,
  path: string,
  opts: { method?: string; body?: unknown } = {},
): Promise<T> {
  const c = ctx.client();
  return c.request<T>(`/keyvault/${encodeURIComponent(vault)}/secrets${path}`, {
    ...opts,
    query: { 'api-version': KV_DATA_API },
    headers: { authorization: await vaultAuthorization(c.conn) },
  });
}

const named = (cmd: Command) =>
  cmd.option('--vault-name <name>').option('-n, --name <name>').option('--id <id>', 'Id of the secret');

export function secretCommands(): Command {
  const secret = new Command('secret').description('Manage secrets.');
  leaf(
    secret
      .command('set')
      .description('Create a secret (if one does not exist) or update a secret in a KeyVault.')
      .option('--vault-name <name>')
      .option('-n, --name <name>')
      .option('--value <value>')
      .option('-f, --file <path>')
      .option('--description <text>', 'Description of the secret contents (stored as its contentType)')
      .option('--content-type <type>')
      .option('--expires <datetime>')
      .option('--not-before <datetime>')
      .option('--disabled [bool]', 'Create secret in disabled state')
      .option('--tags <tags...>'),
    async (ctx) => {
      const vault = requireOpt(ctx.opts, 'vaultName', '--vault-name');
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const value =
        ctx.opts.value !== undefined
          ? String(ctx.opts.value)
          : ctx.opts.file
            ? readFileSync(String(ctx.opts.file), 'utf8')
            : undefined;
      if (value === undefined) throw new CliError('CliUsage', 'usage error: --value VALUE | --file PATH', 2);
      const disabled = parseBool(ctx.opts.disabled as string | boolean | undefined, '--disabled');
      const exp = epoch(ctx.opts.expires, '--expires');
      const nbf = epoch(ctx.opts.notBefore, '--not-before');
      const contentType = (ctx.opts.description ?? ctx.opts.contentType) as string | undefined;
      const tags = ctx.opts.tags ? parseTags(ctx.opts.tags as string[]) : undefined;
      const b = await data(ctx, vault, `/${encodeURIComponent(name)}`, {
        method: 'PUT',
        body: {
          value,
          ...(contentType ? { contentType } : {}),
          ...(tags ? { tags } : {}),
          attributes: {
            enabled: disabled !== true,
            ...(exp !== undefined ? { exp } : {}),
            ...(nbf !== undefined ? { nbf } : {}),
          },
        },
      });
      return azSecret(b);
    },
  );
  leaf(
    named(secret.command('show').description('Get a specified secret from a given key vault.')).option(
      '-v, --version <version>',
    ),
    async (ctx) => {
      const t = target(ctx);
      return azSecret(await data(ctx, t.vault, `/${encodeURIComponent(t.name)}${t.version ? `/${t.version}` : ''}`));
    },
  );
  leaf(
    secret
      .command('list')
      .description('List secrets in a specified key vault.')
      .option('--vault-name <name>')
      .option('--maxresults <n>')
      .option('--id <vaultUri>'),
    async (ctx) => {
      const vault = ctx.opts.id
        ? new URL(String(ctx.opts.id)).hostname.split('.')[0]
        : requireOpt(ctx.opts, 'vaultName', '--vault-name');
      const r = await data<{ value: Obj[] }>(ctx, vault, '');
      const max = ctx.opts.maxresults ? Number(ctx.opts.maxresults) : undefined;
      return r.value.slice(0, max).map(azSecret);
    },
  );
  leaf(
    named(secret.command('list-versions').description('List all versions of the specified secret.')),
    async (ctx) => {
      const t = target(ctx);
      return (await data<{ value: Obj[] }>(ctx, t.vault, `/${encodeURIComponent(t.name)}/versions`)).value.map(
        azSecret,
      );
    },
  );
  leaf(named(secret.command('delete').description('Delete all versions of a secret.')), async (ctx) => {
    const t = target(ctx);
    const b = await data(ctx, t.vault, `/${encodeURIComponent(t.name)}`, { method: 'DELETE' });
    return {
      ...azSecret(b),
      deletedDate: iso(b.deletedDate),
      recoveryId: b.recoveryId,
      scheduledPurgeDate: iso(b.scheduledPurgeDate),
    };
  });
  return secret;
}
