// Task runs: `acr task run`, `list-runs`, `show-run`, `cancel-run`, `logs`.
import { existsSync, readFileSync } from 'node:fs';
import { Command } from 'commander';
import { collect, leaf, requireOpt } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';
import { isNoContext, normalizeContext, parseSetValues } from '../task-body.js';
import { runTable, streamRun, waitForRun } from '../run-stream.js';
import { uploadSource } from '../source-upload.js';
import { TASK_API, taskPath } from './acr-task.js';

export function addTaskRunCommands(task: Command): void {
  leaf(
    task
      .command('run')
      .description(
        'Manually trigger a task that might otherwise be waiting for git commits or base image update triggers.',
      )
      .option('-n, --name <name>')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>')
      .option('--set <name=value>', 'Value (repeatable)', collect)
      .option('--set-secret <name=value>', 'Secret value (repeatable)', collect)
      .option('-f, --file <file>', 'Override the task file (relative to the context)')
      .option('-c, --context <context>', 'Override the context')
      .option(
        '--local-file <path>',
        "Run this local task file instead of the task's own (same context, values and identity): an edit-run loop",
      )
      .option('--agent-pool <name>', "Run on this agent pool instead of the task's")
      .option('--no-logs', 'Wait for the run to finish without streaming its log (as az)')
      .option('--no-wait', 'Do not wait for the run to complete'),
    async (ctx) => {
      const o = ctx.opts;
      const { reg, path } = await taskPath(ctx);
      const c = ctx.client();
      const overrides: Record<string, unknown> = {};
      const values = parseSetValues(o.set as string[], o.setSecret as string[]);
      if (values.length) overrides.values = values;
      if (o.file) overrides.file = o.file;
      if (o.context) {
        // A local directory is uploaded, as az does; the server never reads the client's paths.
        const local =
          !isNoContext(o.context as string) &&
          !/^(https?|git|ssh|file|oci):\/\//i.test(o.context as string) &&
          !/^git@/.test(o.context as string);
        overrides.contextPath = local
          ? await uploadSource(
              c,
              String(reg.id),
              o.context as string,
              String(o.file ?? 'acb.yaml'),
              TASK_API,
              ctx.info,
              ctx.progress,
            )
          : normalizeContext(o.context as string);
      }
      if (o.localFile) {
        if (!existsSync(String(o.localFile)))
          throw new CliError('CliUsage', `The file '${String(o.localFile)}' does not exist.`, 2);
        overrides.encodedTaskContent = readFileSync(String(o.localFile)).toString('base64');
      }
      const run = await c.request<Record<string, unknown>>(`${String(reg.id)}/scheduleRun`, {
        method: 'POST',
        query: { 'api-version': TASK_API },
        body: {
          type: 'TaskRunRequest',
          taskId: path,
          overrideTaskStepProperties: overrides,
          ...(o.agentPool ? { agentPoolName: o.agentPool } : {}),
        },
      });
      ctx.info(`Queued a run with ID: ${String(run.runId)}`);
      if (o.wait === false) return run;
      ctx.info('Waiting for an agent...');
      if (o.logs === false)
        return waitForRun(c, String(reg.id), String(reg.name), String(run.runId), TASK_API, 1000, ctx.progress);
      await streamRun(c, String(reg.id), String(run.runId), TASK_API, process.stdout, ctx.progress);
      return undefined;
    },
  );

  leaf(
    task
      .command('list-runs')
      .description('List all of the executed runs for a registry.')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>')
      .option('-n, --name <task>', 'Filter by task name')
      .option('--run-status <status>')
      .option('--top <n>', 'Limit (15)', '15')
      .option('--image <image>'),
    async (ctx) => {
      const reg = await findRegistry(
        ctx.client(),
        requireOpt(ctx.opts, 'registry', '--registry/-r'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      const filters: string[] = [];
      if (ctx.opts.name) filters.push(`TaskName eq '${String(ctx.opts.name)}'`);
      if (ctx.opts.runStatus) filters.push(`Status eq '${String(ctx.opts.runStatus)}'`);
      const r = await ctx.client().request<{
        value: Array<Record<string, unknown>>;
      }>(`${String(reg.id)}/runs`, { query: { 'api-version': TASK_API, $filter: filters.join(' and ') || undefined, $top: String(ctx.opts.top) } });
      let runs = r.value;
      if (ctx.opts.image) {
        const [repo, tag] = String(ctx.opts.image).split(':');
        runs = runs.filter((x) =>
          ((x.outputImages as Array<{ repository: string; tag: string }> | null) ?? []).some(
            (i) => i.repository === repo && (!tag || i.tag === tag),
          ),
        );
      }
      return runs;
    },
    runTable,
  );

  leaf(
    task
      .command('show-run')
      .description('Get the properties of a run.')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>')
      .option('--run-id <id>'),
    async (ctx) => {
      const reg = await findRegistry(
        ctx.client(),
        requireOpt(ctx.opts, 'registry', '--registry/-r'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      return ctx.client().request(`${String(reg.id)}/runs/${requireOpt(ctx.opts, 'runId', '--run-id')}`, {
        query: { 'api-version': TASK_API },
      });
    },
    runTable,
  );

  leaf(
    task
      .command('cancel-run')
      .description('Cancel a run.')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>')
      .option('--run-id <id>'),
    async (ctx) => {
      const reg = await findRegistry(
        ctx.client(),
        requireOpt(ctx.opts, 'registry', '--registry/-r'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      await ctx.client().request(`${String(reg.id)}/runs/${requireOpt(ctx.opts, 'runId', '--run-id')}/cancel`, {
        method: 'POST',
        query: { 'api-version': TASK_API },
      });
      return undefined;
    },
  );

  leaf(
    task
      .command('logs')
      .description('Show logs for a particular run.')
      .option('-r, --registry <registry>')
      .option('-g, --resource-group <rg>')
      .option('-n, --name <task>')
      .option('--run-id <id>')
      .option('--image <image>')
      .option('--no-format'),
    async (ctx) => {
      const c = ctx.client();
      const reg = await findRegistry(
        c,
        requireOpt(ctx.opts, 'registry', '--registry/-r'),
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      let runId = ctx.opts.runId as string | undefined;
      if (!runId) {
        const filter = ctx.opts.name ? `TaskName eq '${String(ctx.opts.name)}'` : undefined;
        const r = await c.request<{ value: Array<Record<string, unknown>> }>(`${String(reg.id)}/runs`, {
          query: { 'api-version': TASK_API, $filter: filter, $top: '1' },
        });
        if (!r.value.length) throw new CliError('RunNotFound', 'No runs found.');
        runId = String(r.value[0].runId);
        ctx.info('Showing logs of the last created run.');
      }
      ctx.info(`Run ID: ${runId}`);
      try {
        await streamRun(c, String(reg.id), runId, TASK_API);
      } catch (err) {
        if (!(err instanceof CliError) || !err.code.startsWith('Run')) throw err;
      }
      return undefined;
    },
  );
}
