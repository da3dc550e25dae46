import { Command, Option } from 'commander';
import { leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { CliError } from '../errors.js';
import { actionsFrom, flat, registryFor, TOKEN_API } from './acr-scope-map.js';

type Json = Record<string, unknown>;
const q = { 'api-version': TOKEN_API };

const tokenTable = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((x: Json) => ({
    NAME: x.name,
    'SCOPE MAP': String(x.scopeMapId ?? '')
      .split('/')
      .pop(),
    STATUS: x.status,
    'CREATION DATE': x.creationDate,
  }));

/** `--expiration-in-days N` or `--expiration <ISO>` → an ISO expiry (none when neither is given). */
export function expiryOf(opts: Json): string | undefined {
  if (opts.days !== undefined && opts.expirationInDays === undefined) opts = { ...opts, expirationInDays: opts.days };
  if (opts.expirationInDays !== undefined && opts.expiration !== undefined)
    throw new CliError('CliUsage', 'Use only one of --expiration-in-days and --expiration.', 2);
  if (opts.expirationInDays !== undefined) {
    const d = Number(opts.expirationInDays);
    if (!Number.isInteger(d) || d < 1)
      throw new CliError('CliUsage', 'argument --expiration-in-days: must be a positive integer.', 2);
    return new Date(Date.now() + d * 86_400_000).toISOString();
  }
  if (opts.expiration !== undefined) {
    const t = Date.parse(String(opts.expiration));
    if (Number.isNaN(t))
      throw new CliError(
        'CliUsage',
        `argument --expiration: '${String(opts.expiration)}' is not a date-time like 2025-12-31T12:59:59Z.`,
        2,
      );
    return new Date(t).toISOString();
  }
  return undefined;
}

const expiryFlags = (c: Command) =>
  c
    .option('--expiration-in-days <n>', 'Number of days the password is valid (default: no expiry)')
    .addOption(new Option('--days <n>').hideHelp())
    .option('--expiration <datetime>', 'UTC date-time the password expires, e.g. 2025-12-31T12:59:59Z');

async function tokenPath(ctx: CommandContext): Promise<{ registryId: string; path: string }> {
  const registryId = String((await registryFor(ctx)).id);
  return { registryId, path: `${registryId}/tokens/${encodeURIComponent(requireOpt(ctx.opts, 'name', '--name/-n'))}` };
}

async function generate(
  ctx: CommandContext,
  registryId: string,
  tokenId: string,
  name: string | undefined,
  expiry: string | undefined,
): Promise<Json> {
  return ctx.client().request<Json>(`${registryId}/generateCredentials`, {
    method: 'POST',
    query: q,
    body: { tokenId, ...(name ? { name } : {}), ...(expiry ? { expiry } : {}) },
  });
}

/** `dockyard acr token create|update|show|list|delete` and `acr token credential generate|delete`. */
export function acrTokenCommands(): Command {
  const tk = new Command('token').description(
    'Manage tokens for an Azure Container Registry (repository-scoped credentials for CI without an identity).',
  );
  const common = (c: Command) =>
    c.option('-r, --registry <name>', 'The name of the container registry').option('-g, --resource-group <rg>');
  const named = (c: Command) => common(c).option('-n, --name <name>', 'The name of the token');

  leaf(
    expiryFlags(
      named(
        tk
          .command('create')
          .description('Create a token associated with a scope map; prints its generated passwords once.'),
      )
        .option('--scope-map <name>', 'The scope map the token uses')
        .option(
          '--repository <words...>',
          'Instead of --scope-map: "--repository REPO ACTION [ACTION ...]"; creates the scope map <token>-scope-map',
        )
        .option('--gateway <words...>', 'Connected-registry permissions: "--gateway NAME ACTION [ACTION ...]"')
        .option('--status <status>', 'enabled or disabled', 'enabled')
        .option('--no-passwords', 'Do not generate passwords; use `acr token credential generate` later'),
    ),
    async (ctx) => {
      const o = ctx.opts;
      const name = requireOpt(o, 'name', '--name/-n');
      const { registryId, path } = await tokenPath(ctx);
      const actions = [
        ...actionsFrom(o.repository as string[], 'repositories', '--repository'),
        ...actionsFrom(o.gateway as string[], 'gateway', '--gateway'),
      ];
      if (o.scopeMap && actions.length)
        throw new CliError('CliUsage', 'Use either --scope-map or --repository/--gateway, not both.', 2);
      if (!o.scopeMap && !actions.length)
        throw new CliError('CliUsage', 'One of --scope-map or --repository/--gateway is required.', 2);
      if (o.status !== 'enabled' && o.status !== 'disabled')
        throw new CliError(
          'CliUsage',
          "argument --status: invalid choice: allowed values are 'enabled', 'disabled'",
          2,
        );
      const expiry = expiryOf(o);
      let scopeMap = o.scopeMap as string | undefined;
      if (!scopeMap) {
        scopeMap = `${name}-scope-map`;
        ctx.info(
          `If this token is deleted, the scope map '${scopeMap}' it created is kept; delete it with 'dockyard acr scope-map delete -r ${String(o.registry)} -n ${scopeMap}'.`,
        );
        await ctx.client().request(`${registryId}/scopeMaps/${encodeURIComponent(scopeMap)}`, {
          method: 'PUT',
          query: q,
          body: { properties: { actions, description: `Token-scope-map for ${name}` } },
        });
      }
      const token = await ctx.client().request<Json>(path, {
        method: 'PUT',
        query: q,
        body: { properties: { scopeMapId: `${registryId}/scopeMaps/${scopeMap}`, status: o.status } },
      });
      const out = flat(token);
      if (o.passwords !== false) {
        const creds = await generate(ctx, registryId, String(token.id), undefined, expiry);
        out.credentials = { ...(out.credentials as Json), passwords: creds.passwords };
        ctx.warn('Please store your generated credentials safely; they are shown only once.');
      }
      return out;
    },
    tokenTable,
  );

  leaf(
    named(tk.command('update').description("Update a token's scope map or status."))
      .option('--scope-map <name>', 'The scope map the token uses')
      .option('--status <status>', 'enabled or disabled'),
    async (ctx) => {
      const o = ctx.opts;
      const { registryId, path } = await tokenPath(ctx);
      const properties: Json = {};
      if (o.scopeMap) properties.scopeMapId = `${registryId}/scopeMaps/${String(o.scopeMap)}`;
      if (o.status !== undefined) {
        if (o.status !== 'enabled' && o.status !== 'disabled')
          throw new CliError(
            'CliUsage',
            "argument --status: invalid choice: allowed values are 'enabled', 'disabled'",
            2,
          );
        properties.status = o.status;
      }
      if (!Object.keys(properties).length)
        throw new CliError('CliUsage', 'No token properties to update: use --scope-map and/or --status.', 2);
      return flat(await ctx.client().request<Json>(path, { method: 'PATCH', query: q, body: { properties } }));
    },
    tokenTable,
  );

  leaf(
    named(tk.command('show').description('Show details and attributes of a token.')),
    async (ctx) => flat(await ctx.client().request<Json>((await tokenPath(ctx)).path, { query: q })),
    tokenTable,
  );

  leaf(
    common(tk.command('list').description('List all tokens of a registry.')),
    async (ctx) => {
      const r = await ctx
        .client()
        .request<{ value: Json[] }>(`${String((await registryFor(ctx)).id)}/tokens`, { query: q });
      return r.value.map(flat);
    },
    tokenTable,
  );

  leaf(
    named(tk.command('delete').description('Delete a token (its passwords stop working at once).')).option(
      '-y, --yes',
      'Do not prompt for confirmation',
    ),
    async (ctx) => {
      await ctx.client().request((await tokenPath(ctx)).path, { method: 'DELETE', query: q });
      return undefined;
    },
  );

  const cred = new Command('credential').description('Manage credentials of a token.');
  leaf(
    expiryFlags(
      named(
        cred
          .command('generate')
          .description('Generate new passwords (one or both) for a token; the values are shown once.'),
      )
        .option('--password1', 'Generate password1')
        .option('--password2', 'Generate password2'),
    ),
    async (ctx) => {
      const o = ctx.opts;
      const { registryId, path } = await tokenPath(ctx);
      const which = o.password1 && !o.password2 ? 'password1' : o.password2 && !o.password1 ? 'password2' : undefined;
      const r = await generate(ctx, registryId, path, which, expiryOf(o));
      ctx.warn('Please store your generated credentials safely; they are shown only once.');
      return r;
    },
  );
  leaf(
    named(cred.command('delete').description('Delete one or both passwords of a token.'))
      .option('--password1', 'Delete password1')
      .option('--password2', 'Delete password2'),
    async (ctx) => {
      const o = ctx.opts;
      if (!o.password1 && !o.password2)
        throw new CliError('CliUsage', 'Nothing to delete: use --password1 and/or --password2.', 2);
      const { path } = await tokenPath(ctx);
      const current = await ctx
        .client()
        .request<{ properties: { credentials?: { passwords?: Array<{ name: string }> } } }>(path, { query: q });
      const keep = (current.properties.credentials?.passwords ?? [])
        .filter((p) => !(p.name === 'password1' && o.password1) && !(p.name === 'password2' && o.password2))
        .map((p) => ({ name: p.name }));
      return flat(
        await ctx.client().request<Json>(path, {
          method: 'PATCH',
          query: q,
          body: { properties: { credentials: { passwords: keep } } },
        }),
      );
    },
  );
  tk.addCommand(cred);
  return tk;
}
