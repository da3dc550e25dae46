import { createRequire } from 'node:module';
import type { stringify } from 'yaml';
import type { search } from 'jmespath';
import { CliError } from './errors.js';
import { fieldPathQuery, plainYaml } from './output-fast.js';

// jmespath and yaml load only when a command's output needs them (each costs more start-up than a whole command): a
// field-path query (`--query loginServer`) and yaml of plain data take the fast paths of output-fast.ts instead. A
// command loads a library it does need before formatting (`loadQueryEngine`, `loadYamlFor`: an import the bundle
// serves from its own chunk); formatting without loading (tests, library callers) falls back to a synchronous require
// from node_modules.
const require = createRequire(import.meta.url);
const loaded: { search?: typeof search; stringify?: typeof stringify } = {};
const jmespath = {
  search: ((...a) =>
    (loaded.search ?? (require('jmespath') as { search: typeof search }).search)(...a)) as typeof search,
};
const yamlStringify = ((...a: Parameters<typeof stringify>) =>
  (loaded.stringify ?? (require('yaml') as { stringify: typeof stringify }).stringify)(...a)) as typeof stringify;

const isYaml = (format: string | undefined) => format === 'yaml' || format === 'yamlc';

/** Loads jmespath when `--query` is more than a field path (started with the command, awaited before formatting). */
export async function loadQueryEngine(query: string | undefined): Promise<void> {
  if (query === undefined || loaded.search || fieldPathQuery(null, query)) return;
  const m = (await import('jmespath')) as { search?: typeof search; default?: { search: typeof search } };
  loaded.search = m.search ?? m.default?.search;
}

/** Loads yaml when `result` (queried) is to be printed as yaml and is not plain enough for the fast path. */
export async function loadYamlFor(result: unknown, format: string | undefined): Promise<void> {
  if (!isYaml(format) || loaded.stringify || result === null || result === undefined || plainYaml(result)) return;
  // CommonJS in the bundle: its exports may arrive as the default export only.
  const m = (await import('yaml')) as { stringify?: typeof stringify; default?: { stringify: typeof stringify } };
  loaded.stringify = m.stringify ?? m.default?.stringify;
}

export type OutputFormat = 'json' | 'jsonc' | 'yaml' | 'yamlc' | 'table' | 'tsv' | 'none';
export const OUTPUT_FORMATS: OutputFormat[] = ['json', 'jsonc', 'yaml', 'yamlc', 'table', 'tsv', 'none'];

/** Turns a command's result into table rows (az's per-command table transformers). */
export type TableTransformer = (result: unknown) => Array<Record<string, unknown>>;

export function applyQuery(result: unknown, query: string | undefined): unknown {
  if (!query) return result;
  const fast = fieldPathQuery(result, query);
  if (fast) return fast.value;
  try {
    return jmespath.search(result as never, query);
  } catch (err) {
    throw new CliError(
      'CliUsage',
      `argument --query: invalid jmespath_type value: '${query}' (${(err as Error).message})`,
      2,
    );
  }
}

/** Formats as az does: json is indented by 2; tsv follows knack's rules; table follows tabulate's "simple" layout. */
export function formatOutput(
  result: unknown,
  format: OutputFormat,
  transformer?: TableTransformer,
  queried = false,
): string {
  if (result === undefined) return '';
  switch (format) {
    case 'none':
      return '';
    case 'json':
      return `${JSON.stringify(result, null, 2)}\n`;
    case 'jsonc':
      return `${colorJson(result)}\n`;
    case 'yaml':
    case 'yamlc':
      return result === null ? 'null\n' : (plainYaml(result) ?? yamlStringify(result));
    case 'tsv':
      return formatTsv(result);
    case 'table':
      return formatTable(transformer && !queried ? transformer(result) : autoTable(result));
  }
}

function tsvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return String(v.length);
  if (typeof v === 'object') return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

export function formatTsv(result: unknown): string {
  const rows = Array.isArray(result) ? result : [result];
  let out = '';
  for (const row of rows) {
    if (row === null || row === undefined) out += '\n';
    else if (Array.isArray(row)) out += `${row.map(tsvCell).join('\t')}\n`;
    else if (typeof row === 'object') {
      const values = Object.keys(row as object)
        .sort()
        .map((k) => tsvCell((row as Record<string, unknown>)[k]));
      out += `${values.join('\t')}\n`;
    } else if (typeof row === 'boolean') out += `${row ? 'true' : 'false'}\n`;
    else out += `${String(row)}\n`;
  }
  return out;
}

const capitalize = (s: string): string => (s.length ? s[0].toUpperCase() + s.slice(1) : s);

/** knack's automatic table: scalar fields of each object, header = key with a capital first letter. */
export function autoTable(result: unknown): Array<Record<string, unknown>> {
  const items = Array.isArray(result) ? result : [result];
  return items.map((item) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return { Result: item };
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      if (v !== null && typeof v === 'object') continue;
      row[capitalize(k)] = v;
    }
    return row;
  });
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v);
}

export function formatTable(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return '';
  const headers: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!headers.includes(k)) headers.push(k);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => cell(r[h]).length)));
  const numeric = headers.map((h) =>
    rows.every((r) => r[h] === undefined || r[h] === null || typeof r[h] === 'number'),
  );
  const pad = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const lines = [headers.map(pad).join('  ').trimEnd(), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows)
    lines.push(
      headers
        .map((h, i) => pad(cell(r[h]), i))
        .join('  ')
        .trimEnd(),
    );
  return `${lines.join('\n')}\n`;
}

function colorJson(v: unknown): string {
  const c = (code: number, s: string) => (process.stdout.isTTY ? `\u001b[${code}m${s}\u001b[0m` : s);
  return JSON.stringify(v, null, 2).replace(
    /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g,
    (m, str, colon, lit, num) => {
      if (str) return colon ? `${c(94, str)}${colon}` : c(32, str);
      if (lit) return c(95, lit);
      if (num) return c(33, num);
      return m;
    },
  );
}
