import { Command, Option } from 'commander';
import { ApiClient } from './client.js';
import { CliError } from './errors.js';
import {
  applyQuery,
  formatOutput,
  loadQueryEngine,
  loadYamlFor,
  OUTPUT_FORMATS,
  type OutputFormat,
  type TableTransformer,
} from './output.js';
import { Progress, progressEnabled } from './progress.js';

export interface GlobalOptions {
  output: OutputFormat;
  query?: string;
  onlyShowErrors?: boolean;
  verbose?: boolean;
  debug?: boolean;
  subscription?: string;
}

export interface CommandContext {
  opts: Record<string, unknown> & GlobalOptions;
  client(): ApiClient;
  /** Prints a result with --query/--output applied. */
  emit(result: unknown, table?: TableTransformer): void;
  info(msg: string): void;
  warn(msg: string): void;
  /** Progress bars and spinners on stderr (no-ops unless stdout and stderr are terminals and output is for people). */
  progress: Progress;
}

export type Action = (ctx: CommandContext, ...args: string[]) => Promise<unknown> | unknown;

// az's global arguments, built once per default output and shared by every leaf: commander reads an Option, never
// changes it, and a command group builds hundreds of leaves (start-up time).
const globalOptionSets = new Map<string, Option[]>();
function globalOptions(defaultOutput: OutputFormat): Option[] {
  const output = process.env.DOCKYARD_OUTPUT ?? defaultOutput;
  let set = globalOptionSets.get(output);
  if (!set) {
    set = [
      new Option('-o, --output <format>', 'Output format').choices(OUTPUT_FORMATS).default(output),
      new Option('--query <jmespath>', 'JMESPath query string'),
      new Option('--only-show-errors', 'Only show errors, suppressing warnings'),
      new Option('--verbose', 'Increase logging verbosity'),
      new Option('--debug', 'Increase logging verbosity to show all debug logs'),
      new Option('--subscription <id>', 'Name or ID of subscription'),
    ];
    globalOptionSets.set(output, set);
  }
  return set;
}

/** Adds az's global arguments to a leaf command and wires its action with output handling. */
export function leaf(
  cmd: Command,
  action: Action,
  table?: TableTransformer,
  defaultOutput: OutputFormat = 'json',
): Command {
  for (const option of globalOptions(defaultOutput)) cmd.addOption(option);
  cmd.action(async (...raw: unknown[]) => {
    const command = raw[raw.length - 1] as Command;
    const opts = command.opts() as CommandContext['opts'];
    const positional = raw.slice(0, -2).map((v) => v as string);
    let client: ApiClient | undefined;
    const outputExplicit = command.getOptionValueSource('output') !== 'default' || !!process.env.DOCKYARD_OUTPUT;
    const ctx: CommandContext = {
      opts,
      progress: new Progress(progressEnabled({ ...opts, outputExplicit })),
      client: () =>
        (client ??= new ApiClient(undefined, opts.debug ? (m) => process.stderr.write(`DEBUG: ${m}\n`) : undefined)),
      emit(result, t) {
        const queried = opts.query !== undefined;
        const out = formatOutput(applyQuery(result, opts.query), opts.output, t ?? table, queried);
        if (out) process.stdout.write(out);
      },
      info(msg) {
        if (!opts.onlyShowErrors) process.stderr.write(`${msg}\n`);
      },
      warn(msg) {
        if (!opts.onlyShowErrors) process.stderr.write(`WARNING: ${msg}\n`);
      },
    };
    // jmespath (a query beyond a field path) loads while the command waits for the server.
    const queryEngine = loadQueryEngine(opts.query);
    queryEngine.catch(() => {});
    const result = await action(ctx, ...positional);
    if (result === undefined) return;
    await queryEngine;
    if (opts.output === 'yaml' || opts.output === 'yamlc')
      await loadYamlFor(applyQuery(result, opts.query), opts.output);
    ctx.emit(result);
  });
  return cmd;
}

export function requireOpt<T = string>(opts: Record<string, unknown>, name: string, flag: string): T {
  const v = opts[name];
  if (v === undefined || v === null || v === '')
    throw new CliError('CliUsage', `the following arguments are required: ${flag}`, 2);
  return v as T;
}

/** az-style boolean flag values: true/false/yes/no/1/0 (case-insensitive). */
export function parseBool(v: string | boolean | undefined, flag: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  const s = v.toLowerCase();
  if (['true', 'yes', '1', 'y', 'on'].includes(s)) return true;
  if (['false', 'no', '0', 'n', 'off'].includes(s)) return false;
  throw new CliError('CliUsage', `argument ${flag}: invalid boolean value: '${v}'`, 2);
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
