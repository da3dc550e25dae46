import { existsSync, readFileSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { CliError } from './errors.js';

/** Extensions az treats as a task file; anything else with a context is a Dockerfile (acr-reference.md §1.1). */
const TASK_FILE_EXT = [
  '.yaml',
  '.yml',
  '.toml',
  '.json',
  '.sh',
  '.bash',
  '.zsh',
  '.ps1',
  '.ps',
  '.cmd',
  '.bat',
  '.ts',
  '.js',
  '.php',
  '.py',
  '.rb',
  '.lua',
];
export const isTaskFile = (f: string): boolean => TASK_FILE_EXT.includes(extname(f).toLowerCase());

export const isNoContext = (c: string | undefined): boolean => !c || c === '/dev/null';

/** Remote (git/tarball/oci) contexts pass through; a local directory becomes an absolute path. */
export function normalizeContext(c: string): string {
  if (/^(https?|git|ssh|file|oci):\/\//i.test(c) || /^git@/.test(c)) return c;
  const [path, frag] = c.split('#', 2);
  const abs = isAbsolute(path) ? path : resolve(path);
  return frag === undefined ? abs : `${abs}#${frag}`;
}

export function parseSetValues(
  sets: string[] = [],
  secrets: string[] = [],
): Array<{ name: string; value: string; isSecret: boolean }> {
  const one = (s: string, isSecret: boolean) => {
    const i = s.indexOf('=');
    if (i <= 0)
      throw new CliError(
        'CliUsage',
        `invalid --set${isSecret ? '-secret' : ''} value '${isSecret ? '***' : s}': expected name=value`,
        2,
      );
    return { name: s.slice(0, i), value: s.slice(i + 1), isSecret };
  };
  return [...sets.map((s) => one(s, false)), ...secrets.map((s) => one(s, true))];
}

/** The step of a task/run request from az's flags. */
export function buildStep(o: {
  context?: string;
  file?: string;
  cmd?: string;
  image?: string[];
  values?: string;
  set?: string[];
  setSecret?: string[];
  arg?: string[];
  secretArg?: string[];
  target?: string;
  noPush?: boolean;
  noCache?: boolean;
  timeout?: number;
}): Record<string, unknown> {
  const values = parseSetValues(o.set, o.setSecret);
  if (isNoContext(o.context)) {
    let content: string;
    if (o.cmd) {
      content = `version: v1.1.0\nsteps:\n  - cmd: ${JSON.stringify(o.cmd)}\n    disableWorkingDirectoryOverride: true\n    timeout: ${o.timeout ?? 3600}\n`;
    } else {
      if (!o.file)
        throw new CliError(
          'CliUsage',
          'the following arguments are required: --file/-f (or --cmd) when --context is /dev/null',
          2,
        );
      if (o.file === '-') content = readFileSync(0, 'utf8');
      else {
        if (!existsSync(o.file)) throw new CliError('CliUsage', `The file '${o.file}' does not exist.`, 2);
        content = readFileSync(o.file, 'utf8');
      }
    }
    let encodedValues: string | null = null;
    if (o.values) {
      if (!existsSync(o.values)) throw new CliError('CliUsage', `The values file '${o.values}' does not exist.`, 2);
      encodedValues = Buffer.from(readFileSync(o.values)).toString('base64');
    }
    return {
      type: 'EncodedTask',
      encodedTaskContent: Buffer.from(content).toString('base64'),
      encodedValuesContent: encodedValues,
      values,
      contextPath: null,
    };
  }
  const contextPath = normalizeContext(o.context!);
  if (o.cmd) throw new CliError('CliUsage', '--cmd cannot be used with a source context; use --context /dev/null', 2);
  const file = o.file ?? (o.image?.length ? 'Dockerfile' : 'acb.yaml');
  if (!isTaskFile(file)) {
    const args = parseSetValues(o.arg, o.secretArg);
    return {
      type: 'Docker',
      contextPath,
      dockerFilePath: file,
      imageNames: o.image ?? [],
      isPushEnabled: !o.noPush,
      noCache: Boolean(o.noCache),
      target: o.target ?? null,
      arguments: args,
    };
  }
  return { type: 'FileTask', contextPath, taskFilePath: file, valuesFilePath: o.values ?? null, values };
}

/** --assign-identity: nothing or `[system]` = system-assigned; resource ids = user-assigned. */
export function identityBody(assign: true | string[] | undefined): Record<string, unknown> | undefined {
  if (assign === undefined) return undefined;
  const list = assign === true ? [] : assign;
  const system = list.length === 0 || list.some((x) => x.toLowerCase() === '[system]');
  const users = list.filter((x) => x.toLowerCase() !== '[system]');
  const type = system && users.length ? 'SystemAssigned, UserAssigned' : system ? 'SystemAssigned' : 'UserAssigned';
  return { type, ...(users.length ? { userAssignedIdentities: Object.fromEntries(users.map((u) => [u, {}])) } : {}) };
}
