import { Command } from 'commander';
import { leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { CliError } from '../errors.js';
import { identityBody } from '../task-body.js';
import { TASK_API, taskPath, taskTable } from './acr-task.js';

const base = (cmd: Command) =>
  cmd
    .option('-n, --name <name>', 'The name of the task')
    .option('-r, --registry <registry>')
    .option('-g, --resource-group <rg>');

/** A value is a Key Vault reference when it contains the vault DNS suffix (as az decides). */
const valueType = (v: string) => (/\.vault\.azure\.net/i.test(v) ? 'Vaultsecret' : 'Opaque');

async function credentialChange(ctx: CommandContext, mode: 'add' | 'update' | 'remove') {
  const { path } = await taskPath(ctx);
  const server = requireOpt(ctx.opts, 'loginServer', '--login-server');
  const c = ctx.client();
  const current = await c.request<Record<string, unknown>>(path, { query: { 'api-version': TASK_API } });
  const existing = ((current.credentials as { customRegistries?: Record<string, unknown> } | null)?.customRegistries ??
    {}) as Record<string, unknown>;
  if (mode === 'add' && existing[server])
    throw new CliError('Conflict', `Login server '${server}' already exists. You cannot add it again.`);
  if (mode !== 'add' && !existing[server])
    throw new CliError('ResourceNotFound', `Login server '${server}' does not exist.`);
  let entry: Record<string, unknown> | null = null;
  if (mode !== 'remove') {
    const u = ctx.opts.username as string | undefined;
    const p = ctx.opts.password as string | undefined;
    const identity = ctx.opts.useIdentity as string | undefined;
    if (!identity && !(u && p))
      throw new CliError('CliUsage', 'Provide --use-identity, or both --username and --password.', 2);
    if ((u && valueType(u) === 'Vaultsecret') || (p && valueType(p) === 'Vaultsecret')) {
      if (!identity) throw new CliError('CliUsage', 'Key Vault secret references need --use-identity to read them.', 2);
    }
    entry = {
      userName: u ? { type: valueType(u), value: u } : null,
      password: p ? { type: valueType(p), value: p } : null,
      identity: identity ?? null,
    };
  }
  const res = await c.request<Record<string, unknown>>(path, {
    method: 'PATCH',
    query: { 'api-version': TASK_API },
    body: { properties: { credentials: { customRegistries: { [server]: entry } } } },
  });
  return mode === 'remove' ? undefined : (res.credentials as { customRegistries: unknown }).customRegistries;
}

export function taskCredentialCommands(): Command {
  const cred = new Command('credential').description('Manage credentials for a task.');
  const credOpts = (cmd: Command) =>
    base(cmd)
      .option('--login-server <server>', 'The login server of the custom registry')
      .option('-u, --username <username>', 'Username, or a Key Vault secret URI')
      .option('-p, --password <password>', 'Password, or a Key Vault secret URI')
      .option('--use-identity <identity>', '[system] or the client id of a user-assigned identity');
  leaf(credOpts(cred.command('add').description('Add a custom registry login credential to the task.')), (ctx) =>
    credentialChange(ctx, 'add'),
  );
  leaf(credOpts(cred.command('update').description('Update the credential for a custom registry.')), (ctx) =>
    credentialChange(ctx, 'update'),
  );
  leaf(
    base(cred.command('remove').description('Remove credential for a task.')).option('--login-server <server>'),
    (ctx) => credentialChange(ctx, 'remove'),
  );
  leaf(base(cred.command('list').description('List all the custom registry credentials for a task.')), async (ctx) => {
    const { path } = await taskPath(ctx);
    const t = await ctx.client().request<Record<string, unknown>>(path, { query: { 'api-version': TASK_API } });
    return (t.credentials as { customRegistries?: unknown } | null)?.customRegistries ?? {};
  });
  return cred;
}

export function taskIdentityCommands(): Command {
  const id = new Command('identity').description('Managed Identities for a task.');
  leaf(
    base(id.command('assign').description('Update the managed identity for a task.')).option(
      '--identities [ids...]',
      '[system] and/or user-assigned identity resource ids',
    ),
    async (ctx) => {
      const { path } = await taskPath(ctx);
      const c = ctx.client();
      const current = (await c.request<Record<string, unknown>>(path, { query: { 'api-version': TASK_API } }))
        .identity as Record<string, unknown> | null;
      const want = identityBody((ctx.opts.identities as true | string[] | undefined) ?? true)!;
      const hasSystem = /system/i.test(String(current?.type ?? '')) || /system/i.test(String(want.type));
      const users = {
        ...((current?.userAssignedIdentities as Record<string, unknown>) ?? {}),
        ...((want.userAssignedIdentities as Record<string, unknown>) ?? {}),
      };
      const type =
        hasSystem && Object.keys(users).length
          ? 'SystemAssigned, UserAssigned'
          : hasSystem
            ? 'SystemAssigned'
            : 'UserAssigned';
      const res = await c.request<Record<string, unknown>>(path, {
        method: 'PATCH',
        query: { 'api-version': TASK_API },
        body: {
          identity: {
            type,
            userAssignedIdentities: Object.keys(users).length
              ? Object.fromEntries(Object.keys(users).map((k) => [k, {}]))
              : undefined,
          },
        },
      });
      return res.identity;
    },
  );
  leaf(
    base(id.command('remove').description('Remove managed identities for a task.')).option(
      '--identities [ids...]',
      '[system], user-assigned ids, or [all]',
    ),
    async (ctx) => {
      const { path } = await taskPath(ctx);
      const c = ctx.client();
      const current = (await c.request<Record<string, unknown>>(path, { query: { 'api-version': TASK_API } }))
        .identity as Record<string, unknown> | null;
      const remove =
        ctx.opts.identities === undefined || ctx.opts.identities === true
          ? ['[system]']
          : (ctx.opts.identities as string[]);
      const all = remove.some((r) => r.toLowerCase() === '[all]');
      const keepSystem =
        !all && /system/i.test(String(current?.type ?? '')) && !remove.some((r) => r.toLowerCase() === '[system]');
      const users = Object.keys((current?.userAssignedIdentities as Record<string, unknown>) ?? {}).filter(
        (u) => !all && !remove.some((r) => r.toLowerCase() === u.toLowerCase()),
      );
      const type =
        keepSystem && users.length
          ? 'SystemAssigned, UserAssigned'
          : keepSystem
            ? 'SystemAssigned'
            : users.length
              ? 'UserAssigned'
              : 'None';
      const res = await c.request<Record<string, unknown>>(path, {
        method: 'PATCH',
        query: { 'api-version': TASK_API },
        body: {
          identity: {
            type,
            userAssignedIdentities: users.length ? Object.fromEntries(users.map((k) => [k, {}])) : undefined,
          },
        },
      });
      return res.identity;
    },
  );
  leaf(base(id.command('show').description('Display the managed identities for task.')), async (ctx) => {
    const { path } = await taskPath(ctx);
    return (await ctx.client().request<Record<string, unknown>>(path, { query: { 'api-version': TASK_API } })).identity;
  });
  return id;
}

export function taskTimerCommands(): Command {
  const timer = new Command('timer').description('Manage timer triggers for a task.');
  const change = async (ctx: CommandContext, mode: 'add' | 'update' | 'remove') => {
    const { path } = await taskPath(ctx);
    const c = ctx.client();
    const t = await c.request<Record<string, unknown>>(path, { query: { 'api-version': TASK_API } });
    const timers = [
      ...(((t.trigger as Record<string, unknown> | null)?.timerTriggers as Array<Record<string, unknown>> | null) ??
        []),
    ];
    const name = requireOpt(ctx.opts, 'timerName', '--timer-name');
    const i = timers.findIndex((x) => x.name === name);
    if (mode === 'add') {
      if (i >= 0) throw new CliError('Conflict', `The timer '${name}' already exists.`);
      timers.push({
        name,
        schedule: requireOpt(ctx.opts, 'schedule', '--schedule'),
        status: ctx.opts.enabled === 'false' ? 'Disabled' : 'Enabled',
      });
    } else {
      if (i < 0) throw new CliError('ResourceNotFound', `The timer '${name}' does not exist.`);
      if (mode === 'remove') timers.splice(i, 1);
      else
        timers[i] = {
          ...timers[i],
          ...(ctx.opts.schedule ? { schedule: ctx.opts.schedule } : {}),
          ...(ctx.opts.enabled !== undefined ? { status: ctx.opts.enabled === 'false' ? 'Disabled' : 'Enabled' } : {}),
        };
    }
    const res = await c.request<Record<string, unknown>>(path, {
      method: 'PATCH',
      query: { 'api-version': TASK_API },
      body: { properties: { trigger: { timerTriggers: timers.length ? timers : null } } },
    });
    return res;
  };
  const opts = (cmd: Command) =>
    base(cmd).option('--timer-name <name>').option('--schedule <cron>').option('--enabled <bool>');
  leaf(
    opts(timer.command('add').description('Add a timer trigger to a task.')),
    (ctx) => change(ctx, 'add'),
    taskTable,
  );
  leaf(
    opts(timer.command('update').description('Update the timer trigger for a task.')),
    (ctx) => change(ctx, 'update'),
    taskTable,
  );
  leaf(
    opts(timer.command('remove').description('Remove a timer trigger from a task.')),
    (ctx) => change(ctx, 'remove'),
    taskTable,
  );
  leaf(base(timer.command('list').description('List all timer triggers for a task.')), async (ctx) => {
    const { path } = await taskPath(ctx);
    const t = await ctx.client().request<Record<string, unknown>>(path, { query: { 'api-version': TASK_API } });
    return ((t.trigger as Record<string, unknown> | null)?.timerTriggers as unknown[] | null) ?? [];
  });
  return timer;
}
