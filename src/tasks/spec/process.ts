/** Render-then-parse like acb (ACR §2.1): comments, aliases, secrets discovery pass, final render, parse, plan. */
import { isDockyardError } from '../../shared/index.js';
import { renderTemplate, type FuncMap } from '../template/index.js';
import { planTask, type Plan } from '../planner/index.js';
import {
  aliasesEnabledFor,
  DEFAULT_VERSION,
  sniffVersion,
  stripCommentLines,
  SUPPORTED_VERSIONS,
} from './preprocess.js';
import { applyAliases, type AliasOptions } from './aliases.js';
import { buildTemplateData, parseValuesFile, type RunContext, type ValueMap } from './values.js';
import { parseTaskYaml } from './task.js';
import type { Task, TaskFileIssue } from './types.js';

export interface TaskFileInput {
  text: string;
  fileName?: string;
  /** Values file: a parsed map or its YAML text. */
  values?: ValueMap | string;
  setValues?: string[] | Record<string, string>;
  secretValues?: string[] | Record<string, string>;
  run?: RunContext;
  /** Resolved Key Vault secrets by id (the runner fills these after the discovery pass). */
  secrets?: Record<string, string>;
  aliases?: AliasOptions;
  funcs?: FuncMap;
  timeoutMs?: number;
}

export interface TaskFileResult {
  ok: boolean;
  plan: Plan | null;
  task: Task | null;
  rendered: string | null;
  errors: TaskFileIssue[];
  warnings: TaskFileIssue[];
}

function templateIssue(e: unknown): TaskFileIssue {
  if (isDockyardError(e) && e.code === 'TemplateError') {
    const d = (e.detail ?? {}) as { line?: number; column?: number };
    const unknownFn = /function "([^"]+)" not defined/.exec(e.message);
    const hint = unknownFn
      ? 'ACR templates support Go text/template builtins and Sprig functions'
      : /unclosed action/.test(e.message)
        ? 'close the action with }}'
        : /unexpected EOF/.test(e.message)
          ? 'an {{if}}, {{range}}, {{with}} or {{define}} is missing its {{end}}'
          : undefined;
    return { code: 'TemplateError', message: e.message, line: d.line ?? 0, column: d.column ?? 0, hint };
  }
  throw e;
}

/** Runs the whole pipeline. Errors never throw: they come back as issues with line/column. */
export function processTaskFile(input: TaskFileInput): TaskFileResult {
  const name = input.fileName ?? 'acb.yaml';
  const fail = (
    errors: TaskFileIssue[],
    warnings: TaskFileIssue[] = [],
    rendered: string | null = null,
  ): TaskFileResult => ({ ok: false, plan: null, task: null, rendered, errors, warnings });
  const warnings: TaskFileIssue[] = [];
  let text = stripCommentLines(input.text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n'));

  const sniffed = sniffVersion(text);
  const version = sniffed?.version ?? DEFAULT_VERSION;
  if (sniffed && !SUPPORTED_VERSIONS.includes(version.toLowerCase()) && !version.includes('{{')) {
    return fail([
      {
        code: 'TaskFileInvalid',
        message: `invalid version specified: "${version}", the current version is "${DEFAULT_VERSION}"`,
        line: sniffed.line,
        column: sniffed.column,
        hint: `use one of ${SUPPORTED_VERSIONS.join(', ')}`,
      },
    ]);
  }
  if (aliasesEnabledFor(version)) {
    const a = applyAliases(text, input.aliases);
    if (a.issues.length) return fail(a.issues);
    text = a.text;
  }

  let values: ValueMap = {};
  if (typeof input.values === 'string') {
    try {
      values = parseValuesFile(input.values);
    } catch (e) {
      return fail([
        { code: 'TaskFileInvalid', message: `invalid values file: ${(e as Error).message}`, line: 0, column: 0 },
      ]);
    }
  } else if (input.values) values = input.values;

  const td = buildTemplateData({
    values,
    setValues: input.setValues,
    secretValues: input.secretValues,
    run: input.run,
    secrets: input.secrets,
  });
  if (td.invalidSet.length) {
    return fail(
      td.invalidSet.map((s) => ({
        code: 'TaskFileInvalid' as const,
        message: `invalid --set value "${s}": expected key=value`,
        line: 0,
        column: 0,
      })),
    );
  }
  for (const k of td.skippedMerges)
    warnings.push({
      code: 'TaskFileInvalid',
      message: `Skip merging: ${k} (a map and a scalar cannot replace each other)`,
      line: 0,
      column: 0,
    });

  const opts = { name, funcs: input.funcs, timeoutMs: input.timeoutMs };
  // Secrets discovery pass (only when the text mentions secrets): render with empty .Secrets and check the list.
  if (/secrets/.test(text) && !input.secrets) {
    try {
      const first = renderTemplate(text, { ...td.data, Secrets: {} }, opts);
      const pre = parseTaskYaml(first);
      const secretErrors = pre.errors.filter((e) => /secret|keyvault|guid/i.test(e.message));
      if (secretErrors.length) return fail(secretErrors, warnings, first);
    } catch (e) {
      return fail([templateIssue(e)], warnings);
    }
  }

  let rendered: string;
  try {
    rendered = renderTemplate(text, td.data, opts);
  } catch (e) {
    return fail([templateIssue(e)], warnings);
  }
  const parsed = parseTaskYaml(rendered);
  warnings.push(...parsed.warnings);
  if (parsed.errors.length || !parsed.task) return fail(parsed.errors, warnings, rendered);
  const planned = planTask(parsed.task);
  if (planned.errors.length)
    return { ok: false, plan: null, task: parsed.task, rendered, errors: planned.errors, warnings };
  return { ok: true, plan: planned.plan, task: parsed.task, rendered, errors: [], warnings };
}
