import { readFileSync, existsSync } from 'node:fs';
import { Command } from 'commander';
import { collect, leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';
import { isNoContext, normalizeContext, parseSetValues } from '../task-body.js';
import { uploadSource } from '../source-upload.js';
import { waitForRun, streamRun } from '../run-stream.js';
import { TASK_API } from './acr-task.js';

const isRemote = (c: string) => /^(https?|git|ssh|file|oci):\/\//i.test(c) || /^git@/.test(c);

async function submit(ctx: CommandContext, body: Record<string, unknown>): Promise<unknown> {
  const c = ctx.client();
  const reg = await findRegistry(
    c,
    requireOpt(ctx.opts, 'registry', '--registry/-r'),
    ctx.opts.resourceGroup as string | undefined,
    ctx.opts.subscription,
  );
  const context = body.sourceLocation as string | undefined;
  if (context && !isRemote(context) && !isNoContext(context)) {
    body.sourceLocation = await uploadSource(
      c,
      String(reg.id),
      context,
      String(body.taskFilePath ?? body.dockerFilePath ?? 'Dockerfile'),
      TASK_API,
      ctx.info,
      ctx.progress,
    );
  } else if (context && isRemote(context)) body.sourceLocation = normalizeContext(context);
  else delete body.sourceLocation;
  if (ctx.opts.agentPool) body.agentPoolName = ctx.opts.agentPool;
  const run = await c.request<Record<string, unknown>>(`${String(reg.id)}/scheduleRun`, {
    method: 'POST',
    query: { 'api-version': TASK_API },
    body,
  });
  ctx.info(`Queued a run with ID: ${String(run.runId)}`);
  if (ctx.opts.wait === false) return run;
  ctx.info('Waiting for an agent...');
  if (ctx.opts.logs === false)
    return waitForRun(c, String(reg.id), String(reg.name), String(run.runId), TASK_API, 1000, ctx.progress);
  await streamRun(c, String(reg.id), String(run.runId), TASK_API, process.stdout, ctx.progress);
  return undefined;
}

const common = (cmd: Command) =>
  cmd
    .option('-r, --registry <registry>', 'The name of the container registry')
    .option('-g, --resource-group <rg>')
    .option('--timeout <seconds>', 'Timeout in seconds (300-28800)')
    .option('--platform <os/arch/variant>', 'Platform, e.g. linux/amd64')
    .option('--agent-pool <name>', 'The name of the agent pool (Premium registries)')
    .option('--no-logs', 'Wait for the run to finish without streaming its log (as az)')
    .option('--no-wait', 'Do not wait for the run to complete');

const platformOf = (p: unknown) => {
  if (!p) return undefined;
  const [os, architecture, variant] = String(p).split('/');
  return { os, architecture: architecture ?? 'amd64', variant: variant ?? null };
};

/** `dockyard acr run` (quick run of a task file or a command) and `dockyard acr build` (quick Docker build). */
export function quickRunCommands(acr: Command): void {
  leaf(
    common(
      acr
        .command('run')
        .description('Queues a quick run providing streaming logs for an Azure Container Registry.')
        .argument('[source]', 'Local directory, git URL, or /dev/null'),
    )
      .option('-f, --file <file>', 'The task template/definition file (- for stdin)')
      .option('--cmd <cmd>', 'Commands to execute')
      .option('--values <file>', 'The task values file')
      .option('--set <name=value>', 'Value (repeatable)', collect)
      .option('--set-secret <name=value>', 'Secret value (repeatable)', collect),
    async (ctx, source) => {
      const o = ctx.opts;
      const src = source ?? '/dev/null';
      const values = parseSetValues(o.set as string[], o.setSecret as string[]);
      const base = { values, timeout: o.timeout ? Number(o.timeout) : undefined, platform: platformOf(o.platform) };
      if (o.cmd || isNoContext(src) || o.file === '-') {
        let content: string;
        if (o.cmd)
          content = `version: v1.1.0\nsteps:\n  - cmd: ${JSON.stringify(o.cmd)}\n    disableWorkingDirectoryOverride: true\n    timeout: ${o.timeout ?? 3600}\n`;
        else if (o.file === '-') content = readFileSync(0, 'utf8');
        else {
          const f = String(o.file ?? 'acb.yaml');
          if (!existsSync(f)) throw new CliError('CliUsage', `The file '${f}' does not exist.`, 2);
          content = readFileSync(f, 'utf8');
        }
        const encodedValues = o.values ? Buffer.from(readFileSync(String(o.values))).toString('base64') : undefined;
        return submit(ctx, {
          type: 'EncodedTaskRunRequest',
          encodedTaskContent: Buffer.from(content).toString('base64'),
          encodedValuesContent: encodedValues,
          ...base,
          sourceLocation: isNoContext(src) ? undefined : src,
        });
      }
      return submit(ctx, {
        type: 'FileTaskRunRequest',
        taskFilePath: o.file ?? 'acb.yaml',
        valuesFilePath: o.values ?? null,
        ...base,
        sourceLocation: src,
      });
    },
  );

  leaf(
    common(
      acr
        .command('build')
        .description('Queues a quick build, providing streaming logs for an Azure Container Registry.')
        .argument('<source>', 'Local directory or git URL'),
    )
      .option('-t, --image <image>', 'The name and tag of the image (repeatable; {{.Run.ID}} allowed)', collect)
      .option('-f, --file <file>', 'The relative path of the Dockerfile', 'Dockerfile')
      .option('--build-arg <name=value>', 'Build argument (repeatable)', collect)
      .option('--secret-build-arg <name=value>', 'Secret build argument (repeatable)', collect)
      .option('--target <stage>', 'The target build stage')
      .option('--no-push', 'Do not push the image after build')
      .option('--no-cache', 'Do not use the cache'),
    async (ctx, source) => {
      const o = ctx.opts;
      const args = parseSetValues(o.buildArg as string[], o.secretBuildArg as string[]);
      return submit(ctx, {
        type: 'DockerBuildRequest',
        imageNames: (o.image as string[] | undefined) ?? [],
        isPushEnabled: o.push !== false,
        noCache: o.cache === false,
        dockerFilePath: o.file,
        target: o.target ?? null,
        arguments: args,
        timeout: o.timeout ? Number(o.timeout) : undefined,
        platform: platformOf(o.platform),
        sourceLocation: source,
      });
    },
  );
}
