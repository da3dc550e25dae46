import { readFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { collect, leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';
import { localTaskFileEngine, type TaskFileRequestBody } from '../local-engine.js';

interface Issue {
  code: string;
  message: string;
  line: number;
  column: number;
  hint?: string;
}

type Answer = { ok: boolean; errors: Issue[]; warnings: Issue[]; plan?: Record<string, unknown>; rendered?: string };

async function call(ctx: CommandContext, render: boolean): Promise<Answer> {
  const file = requireOpt(ctx.opts, 'file', '--file/-f');
  if (file !== '-' && !existsSync(file)) throw new CliError('CliUsage', `The file '${file}' does not exist.`, 2);
  const content = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  const values = ctx.opts.values ? readFileSync(String(ctx.opts.values), 'utf8') : undefined;
  const body: TaskFileRequestBody = {
    content,
    fileName: file === '-' ? 'stdin' : basename(file),
    values,
    set: (ctx.opts.set as string[] | undefined) ?? [],
    setSecret: (ctx.opts.setSecret as string[] | undefined) ?? [],
    run: { id: 'cf1' },
  };
  const path = `/dockyard/v1/task-files/${render ? 'render' : 'validate'}`;
  try {
    const c = ctx.client();
    let registry: string | undefined;
    if (ctx.opts.registry)
      registry = String(
        (await findRegistry(c, String(ctx.opts.registry), undefined, ctx.opts.subscription)).loginServer,
      );
    return await c.request(path, {
      method: 'POST',
      body: { ...body, run: { ...body.run, ...(registry ? { registry } : {}) } },
    });
  } catch (err) {
    // No server set up or running: the same engine, in this process. --registry is then used as given (a login server).
    const engine = err instanceof CliError && err.code === 'CliConnection' ? await localTaskFileEngine() : undefined;
    if (!engine) throw err;
    if (ctx.opts.debug)
      process.stderr.write(`DEBUG: ${err instanceof Error ? err.message : String(err)}; checking the file locally\n`);
    return engine(
      { ...body, run: { ...body.run, ...(ctx.opts.registry ? { registry: String(ctx.opts.registry) } : {}) } },
      render,
    ) as Answer;
  }
}

function report(ctx: CommandContext, file: string, r: { errors: Issue[]; warnings: Issue[] }): void {
  for (const w of r.warnings)
    process.stderr.write(
      `WARNING: ${file}:${w.line}:${w.column}: ${w.message}${w.hint ? `\n  hint: ${w.hint}` : ''}\n`,
    );
  if (r.errors.length) {
    for (const e of r.errors)
      process.stderr.write(
        `ERROR: (${e.code}) ${file}:${e.line}:${e.column}: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}\n`,
      );
    throw new CliError('TaskFileInvalid', `${r.errors.length} error(s) in ${file}`);
  }
  void ctx;
}

/** `dockyard acr task validate|render` — our addition: explain a task file before any run. */
export function registerValidateCommands(task: Command): void {
  const opts = (cmd: Command) =>
    cmd
      .option('-f, --file <file>', 'The task file (- for stdin)')
      .option('-r, --registry <registry>', 'Render {{.Run.Registry}} with this registry')
      .option('--values <file>', 'Values file')
      .option('--set <name=value>', 'Value (repeatable)', collect)
      .option('--set-secret <name=value>', 'Secret value (repeatable)', collect);
  leaf(
    opts(
      task
        .command('validate')
        .description(
          'Validate a task file: render and parse it as a run would, print the plan or every error with line and column.',
        ),
    ),
    async (ctx) => {
      const r = await call(ctx, false);
      report(ctx, String(ctx.opts.file), r);
      return r.plan;
    },
    (plan) =>
      ((plan as { steps?: Array<Record<string, unknown>> })?.steps ?? []).map((s) => ({
        STEP: s.id,
        TYPE: s.type,
        'WAITS FOR': ((s.dependsOn as string[]) ?? []).join(', ') || '-',
        IMAGE:
          (s.cmd as { image?: string } | undefined)?.image ??
          ((s.build as { tags?: string[] } | undefined)?.tags ?? []).join(', ') ??
          '',
        PUSH: ((s.push as string[] | undefined) ?? []).join(', '),
        TIMEOUT: s.timeout,
      })),
  );
  leaf(
    opts(
      task
        .command('render')
        .description('Render a task file (templates, aliases, values) and print the YAML a run would parse.'),
    ),
    async (ctx) => {
      const r = await call(ctx, true);
      report(ctx, String(ctx.opts.file), r);
      process.stdout.write(r.rendered ?? '');
      return undefined;
    },
  );
}
