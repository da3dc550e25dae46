/**
 * Go text/template-compatible rendering with the Sprig functions ACR task files use.
 * Behaves like ACR's engine: missingkey=zero and every literal "<no value>" removed from the output.
 */
import { DockyardError } from '../../shared/index.js';
import { parseTemplate, TemplateSyntaxError, type TreeSet } from './parser.js';
import { Executor, TemplateExecError } from './exec.js';
import { defaultFuncs } from './funcs.js';
import type { FuncMap } from './func-types.js';
import { DEFAULT_MAX_OUTPUT } from './budget.js';

export type { FuncMap, GoFunc, ParamType } from './func-types.js';
export { f as goFunc } from './func-types.js';
export { GoFloat, formatValue } from './go-value.js';
export { sprintf } from './fmt.js';
export { formatGoTime } from './go-time.js';
export { defaultFuncs } from './funcs.js';
export { DEFAULT_MAX_OUTPUT, MAX_FORMAT_NUMBER } from './budget.js';

export interface RenderOptions {
  /** Template name used in error messages, e.g. the task file name. */
  name: string;
  /** Extra or replacement functions. */
  funcs?: FuncMap;
  /** Wall-clock budget (default 2000 ms). */
  timeoutMs?: number;
  /** Step budget (default 2,000,000 evaluation steps). */
  maxSteps?: number;
  /** Output budget in characters, also the cap on any string a function builds (default 1 MiB). */
  maxOutput?: number;
  /** Work budget for functions (value nodes walked, replacements made...; default 20,000,000 units). */
  maxWork?: number;
}

export interface TemplateErrorDetail {
  line: number;
  column: number;
  phase: 'parse' | 'exec';
}

const cache = new Map<string, TreeSet>();

function parseCached(name: string, text: string, funcs: FuncMap, custom: boolean): TreeSet {
  const key = name + '\0' + text;
  const hit = custom ? undefined : cache.get(key);
  if (hit) return hit;
  const trees = parseTemplate(name, text, (n) => Object.prototype.hasOwnProperty.call(funcs, n));
  if (!custom) {
    if (cache.size > 256) cache.delete(cache.keys().next().value as string);
    cache.set(key, trees);
  }
  return trees;
}

/** Renders `text` with `data`. Throws DockyardError 'TemplateError' (detail: {line, column, phase}). */
export function renderTemplate(text: string, data: unknown, options: RenderOptions): string {
  const funcs = options.funcs ? { ...defaultFuncs, ...options.funcs } : defaultFuncs;
  try {
    const trees = parseCached(options.name, text, funcs, !!options.funcs);
    const out = new Executor(options.name, text, trees, funcs, {
      timeoutMs: options.timeoutMs ?? 2000,
      maxSteps: options.maxSteps ?? 2_000_000,
      maxOutput: options.maxOutput ?? DEFAULT_MAX_OUTPUT,
      maxWork: options.maxWork,
      maxDepth: 1000,
    }).run(data);
    return out.split('<no value>').join('');
  } catch (e) {
    if (e instanceof TemplateSyntaxError || e instanceof TemplateExecError) {
      const detail: TemplateErrorDetail = {
        line: e.line,
        column: e.column,
        phase: e instanceof TemplateSyntaxError ? 'parse' : 'exec',
      };
      throw new DockyardError('TemplateError', e.message, { detail });
    }
    if (e instanceof RangeError) {
      throw new DockyardError('TemplateError', `template: ${options.name}: ${e.message}`, {
        detail: { line: 1, column: 1, phase: 'exec' },
      });
    }
    throw e;
  }
}
