import { Command, Option } from 'commander';
import { collect, leaf, parseBool, requireOpt, type CommandContext } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { buildStep, identityBody, isNoContext, normalizeContext, parseSetValues } from '../task-body.js';
import { taskCredentialCommands, taskIdentityCommands, taskTimerCommands } from './acr-task-extras.js';
import { registerValidateCommands } from './acr-task-validate.js';
import { addTaskRunCommands } from './acr-task-runs.js';

export const TASK_API = '2019-06-01-preview';

export const taskTable = (r: unknown) =>
  (Array.isArray(r) ? r : [r]).map((t: Record<string, unknown>) => {
    const trig = (t.trigger ?? {}) as Record<string, unknown>;
    const triggers: string[] = [];
    if ((trig.baseImageTrigger as { status?: string } | null)?.status === 'Enabled') triggers.push('BASE_IMAGE');
    if (((trig.sourceTriggers as Array<{ status: string }> | null) ?? []).some((s) => s.status === 'Enabled'))
      triggers.push('SOURCE');
    if (((trig.timerTriggers as Array<{ status: string }> | null) ?? []).some((s) => s.status === 'Enabled'))
      triggers.push('TIMER');
    const step = (t.step ?? {}) as Record<string, unknown>;
    const p = (t.platform ?? {}) as { os?: string };
    return {
      NAME: t.name,
      PLATFORM: p.os ? p.os.charAt(0).toUpperCase() + p.os.slice(1) : ' ',
      STATUS: t.status,
      'SOURCE REPOSITORY': step.contextPath ?? ' ',
      TRIGGERS: triggers.sort().join(', ') || ' ',
    };
  });

export async function taskPath(ctx: CommandContext): Promise<{ reg: Record<string, unknown>; path: string }> {
  const name = requireOpt(ctx.opts, 'name', '--name/-n');
  const registry = requireOpt(ctx.opts, 'registry', '--registry/-r');
  const reg = await findRegistry(
    ctx.client(),
    registry,
    ctx.opts.resourceGroup as string | undefined,
    ctx.opts.subscription,
  );
  return { reg, path: `${String(reg.id)}/tasks/${encodeURIComponent(name)}` };
}

function taskOptions(cmd: Command, create: boolean): Command {
  cmd
    .option('-n, --name <name>', 'The name of the container registry task')
    .option('-r, --registry <registry>', 'The name of the container registry')
    .option('-g, --resource-group <rg>')
    .option('-c, --context <context>', 'Git URL (#ref:folder), local directory, or /dev/null')
    .option('-f, --file <file>', 'Task YAML file or Dockerfile (relative to the context)')
    .option('--cmd <cmd>', 'Commands to execute (a single-step task)')
    .option('-t, --image <image>', 'Image name and tag (repeatable; Docker tasks)', collect)
    .option('--arg <name=value>', 'Build argument (repeatable)', collect)
    .option('--secret-arg <name=value>', 'Secret build argument (repeatable)', collect)
    .option('--target <stage>', 'Build stage')
    .option('--no-push', 'Do not push the built image')
    .option('--no-cache', 'Do not use the build cache')
    .option('--values <file>', 'Values file')
    .option('--set <name=value>', 'Value (repeatable)', collect)
    .option('--set-secret <name=value>', 'Secret value (repeatable)', collect)
    .option('--timeout <seconds>', 'Timeout in seconds (300-28800)')
    .option('--status <status>', 'Enabled or Disabled')
    .option('--platform <os/arch/variant>', 'Platform, e.g. linux/amd64')
    .option('--cpu <n>', 'CPUs (2)')
    .option('--commit-trigger-enabled <bool>')
    .option('--pull-request-trigger-enabled <bool>')
    .option('--base-image-trigger-enabled <bool>')
    .addOption(new Option('--base-image-trigger-type <type>').choices(['All', 'Runtime']))
    .option('--git-access-token <token>')
    .option('--schedule <cron>', 'Timer trigger: "cron" or "name:cron" (repeatable)', collect)
    .option('--auth-mode <mode>', 'Default or None')
    .option('--agent-pool <name>', 'The name of the agent pool (Premium; "" on update: the server\'s own engine)')
    .option(
      '--allow-privileged-steps <bool>',
      'Dockyard: allow privileged step containers (root on the host; registry owners only; default false)',
    );
  if (create)
    cmd.option(
      '--assign-identity [ids...]',
      'Assign identities: none/[system] = system-assigned, or user-assigned resource ids',
    );
  return cmd;
}

function platformOf(p: string | undefined): Record<string, unknown> | undefined {
  if (!p) return undefined;
  const [os, architecture, variant] = p.split('/');
  return { os, architecture: architecture ?? 'amd64', variant: variant ?? null };
}

function triggerBody(
  o: Record<string, unknown>,
  context: string | undefined,
  create: boolean,
): Record<string, unknown> | undefined {
  const t: Record<string, unknown> = {};
  const commit = parseBool(o.commitTriggerEnabled as string, '--commit-trigger-enabled');
  const pr = parseBool(o.pullRequestTriggerEnabled as string, '--pull-request-trigger-enabled');
  const git = context && !isNoContext(context) && /\.git(#|$)|^file:\/\/|^git:\/\//.test(context);
  if (create || commit !== undefined || pr !== undefined) {
    const events: string[] = [];
    if (commit ?? (create && Boolean(git))) events.push('commit');
    if (pr) events.push('pullrequest');
    if (git && events.length) {
      const url = normalizeContext(context!);
      const ref = (url.split('#')[1] ?? '').split(':')[0] || 'master';
      t.sourceTriggers = [
        {
          name: 'defaultSourceTriggerName',
          sourceRepository: {
            repositoryUrl: url.split('#')[0],
            branch: ref,
            sourceControlType: 'Git',
            sourceControlAuthProperties: null,
          },
          sourceTriggerEvents: events,
          status: 'Enabled',
        },
      ];
    } else if (!create) t.sourceTriggers = null;
  }
  const base = parseBool(o.baseImageTriggerEnabled as string, '--base-image-trigger-enabled');
  if (create || base !== undefined || o.baseImageTriggerType) {
    t.baseImageTrigger =
      base === false
        ? null
        : {
            baseImageTriggerType: o.baseImageTriggerType ?? 'Runtime',
            name: 'defaultBaseimageTriggerName',
            status: 'Enabled',
          };
  }
  const schedules = o.schedule as string[] | undefined;
  if (schedules?.length) {
    t.timerTriggers = schedules.map((s, i) => {
      const m = /^([A-Za-z0-9_-]+):(.+)$/.exec(s);
      return m && !/^\d/.test(m[1])
        ? { name: m[1], schedule: m[2].trim(), status: 'Enabled' }
        : { name: `t${i + 1}`, schedule: s, status: 'Enabled' };
    });
  }
  return Object.keys(t).length ? t : undefined;
}

export function acrTaskCommands(): Command {
  const task = new Command('task').description(
    'Manage a collection of steps for building, testing and OS & Framework patching container images.',
  );

  leaf(
    taskOptions(
      task
        .command('create')
        .description('Creates a series of steps for building, testing and OS & Framework patching containers.'),
      true,
    ),
    async (ctx) => {
      const o = ctx.opts;
      const { reg, path } = await taskPath(ctx);
      const step = buildStep({
        context: o.context as string,
        file: o.file as string,
        cmd: o.cmd as string,
        image: o.image as string[],
        values: o.values as string,
        set: o.set as string[],
        setSecret: o.setSecret as string[],
        arg: o.arg as string[],
        secretArg: o.secretArg as string[],
        target: o.target as string,
        noPush: o.push === false,
        noCache: o.cache === false,
        timeout: o.timeout ? Number(o.timeout) : undefined,
      });
      const properties: Record<string, unknown> = {
        status: o.status ?? 'Enabled',
        platform: platformOf(o.platform as string) ?? { os: 'linux', architecture: 'amd64' },
        agentConfiguration: { cpu: Number(o.cpu ?? 2) },
        ...(o.agentPool ? { agentPoolName: o.agentPool } : {}),
        timeout: o.timeout ? Number(o.timeout) : 3600,
        step,
        trigger: triggerBody(o, o.context as string, true),
        credentials: { sourceRegistry: { loginMode: o.authMode ?? 'Default' }, customRegistries: {} },
      };
      const privileged = parseBool(o.allowPrivilegedSteps as string, '--allow-privileged-steps');
      if (privileged !== undefined) properties.allowPrivilegedSteps = privileged;
      return ctx.client().request(path, {
        method: 'PUT',
        query: { 'api-version': TASK_API },
        body: {
          location: reg.location,
          properties,
          identity: identityBody(o.assignIdentity as true | string[] | undefined),
        },
      });
    },
    taskTable,
  );

  leaf(
    taskOptions(task.command('update').description('Update a task.'), false),
    async (ctx) => {
      const o = ctx.opts;
      const { path } = await taskPath(ctx);
      const properties: Record<string, unknown> = {};
      if (o.status) properties.status = o.status;
      if (o.platform) properties.platform = platformOf(o.platform as string);
      if (o.timeout) properties.timeout = Number(o.timeout);
      if (o.agentPool !== undefined) properties.agentPoolName = o.agentPool || null;
      const privileged = parseBool(o.allowPrivilegedSteps as string, '--allow-privileged-steps');
      if (privileged !== undefined) properties.allowPrivilegedSteps = privileged;
      if (o.authMode) properties.credentials = { sourceRegistry: { loginMode: o.authMode } };
      const stepChange: Record<string, unknown> = {};
      if (o.context)
        stepChange.contextPath = isNoContext(o.context as string) ? null : normalizeContext(o.context as string);
      if (o.file) stepChange.taskFilePath = o.file;
      if (o.set || o.setSecret) stepChange.values = parseSetValues(o.set as string[], o.setSecret as string[]);
      if (Object.keys(stepChange).length) properties.step = stepChange;
      let context = o.context as string | undefined;
      if (!context && (o.commitTriggerEnabled !== undefined || o.pullRequestTriggerEnabled !== undefined)) {
        // Toggling source triggers keeps the task's own repository.
        const current = await ctx
          .client()
          .request<{ step?: { contextPath?: string | null } }>(path, { query: { 'api-version': TASK_API } });
        context = current.step?.contextPath ?? undefined;
      }
      const trig = triggerBody(o, context, false);
      if (trig) properties.trigger = trig;
      return ctx.client().request(path, { method: 'PATCH', query: { 'api-version': TASK_API }, body: { properties } });
    },
    taskTable,
  );

  leaf(
    task
      .command('show')
      .description('Get the properties of a named task.')
      .option('-n, --name <name>')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>')
      .option('--with-secure-properties', 'Show secure properties'),
    async (ctx) => {
      const { path } = await taskPath(ctx);
      if (ctx.opts.withSecureProperties)
        return ctx.client().request(`${path}/listDetails`, { method: 'POST', query: { 'api-version': TASK_API } });
      return ctx.client().request(path, { query: { 'api-version': TASK_API } });
    },
    taskTable,
  );

  leaf(
    task
      .command('list')
      .description('List the tasks for a container registry.')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const reg = await findRegistry(
        ctx.client(),
        requireOpt(ctx.opts, 'registry', '--registry/-r'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      return (
        await ctx
          .client()
          .request<{ value: unknown[] }>(`${String(reg.id)}/tasks`, { query: { 'api-version': TASK_API } })
      ).value;
    },
    taskTable,
  );

  leaf(
    task
      .command('delete')
      .description('Delete a task.')
      .option('-n, --name <name>')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>')
      .option('-y, --yes'),
    async (ctx) => {
      const { path } = await taskPath(ctx);
      await ctx.client().request(path, { method: 'DELETE', query: { 'api-version': TASK_API } });
      return undefined;
    },
  );

  addTaskRunCommands(task);
  registerValidateCommands(task);
  task.addCommand(taskCredentialCommands());
  task.addCommand(taskIdentityCommands());
  task.addCommand(taskTimerCommands());
  return task;
}
