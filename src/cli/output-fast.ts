// Fast paths for the two heavy formatters, so that the common cases load neither library (the yaml and jmespath
// chunks are a fifth of a command's start-up): `--query` with a plain field path (`loginServer`, `identity.principalId`)
// and `-o yaml` of plain JSON data whose strings need no quoting. Anything else returns undefined and the caller uses
// the library. Both are exact: test/unit/cli/output-fast.test.ts compares them with jmespath and yaml on generated data.

const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * JMESPath's result for a query made of unquoted identifiers joined by dots (a sub-expression of fields), or
 * undefined for any other query. As in jmespath: a field of anything but an object, or a missing field, is null.
 */
export function fieldPathQuery(data: unknown, query: string): { value: unknown } | undefined {
  if (!FIELD_PATH.test(query)) return undefined;
  let value = data;
  for (const name of query.split('.')) {
    value =
      Object.prototype.toString.call(value) === '[object Object]'
        ? ((value as Record<string, unknown>)[name] ?? null)
        : null;
  }
  return { value };
}

// A string yaml prints as a plain scalar, by a conservative rule: printable ASCII without YAML indicators, starting
// with a letter, digit, `/` or `_`, no `: `, no trailing `:` or space, no double space, and not a word or number of
// YAML 1.2's core schema (which yaml would quote).
const PLAIN = /^[A-Za-z0-9/_][A-Za-z0-9 ._/@:+,=()-]*$/;
const CORE_SCALAR =
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|true|false|null)$/i;
/** Strings with a space may be folded at yaml's line width (80): only shorter lines take the fast path. */
const FOLD_SAFE_COLUMN = 60;

class NotPlain extends Error {}

function scalar(v: unknown, column: number): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
    throw new NotPlain();
  }
  if (typeof v === 'string') {
    if (
      !PLAIN.test(v) ||
      CORE_SCALAR.test(v) ||
      v.endsWith(' ') ||
      v.endsWith(':') ||
      v.includes(': ') ||
      v.includes('  ') ||
      (v.includes(' ') && column + v.length > FOLD_SAFE_COLUMN)
    )
      throw new NotPlain();
    return v;
  }
  throw new NotPlain();
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

const isEmptyCollection = (v: unknown) =>
  (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);

/** A value that fits on the current line: a scalar or an empty collection. */
function inline(v: unknown, column: number): string | undefined {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : undefined;
  if (isPlainObject(v)) return Object.keys(v).length === 0 ? '{}' : undefined;
  return scalar(v, column);
}

/**
 * A non-empty array or object: its first line continues the current one, the others are indented by `indent`. A
 * collection met twice declines (yaml prints anchors and aliases for it; JSON from the server never has one).
 */
function block(v: unknown, indent: number, seen: Set<unknown>): string {
  if (seen.has(v)) throw new NotPlain();
  seen.add(v);
  const pad = ' '.repeat(indent);
  if (Array.isArray(v))
    return v.map((item) => `- ${inline(item, indent + 2) ?? block(item, indent + 2, seen)}`).join(`\n${pad}`);
  if (!isPlainObject(v)) throw new NotPlain();
  return Object.entries(v)
    .map(([k, item]) => {
      if (item === undefined || k.length > 100) throw new NotPlain();
      const key = scalar(k, indent);
      if (key !== k) throw new NotPlain();
      const one = inline(item, indent + k.length + 2);
      return one !== undefined ? `${k}: ${one}` : `${k}:\n${pad}  ${block(item, indent + 2, seen)}`;
    })
    .join(`\n${pad}`);
}

/** What `yaml.stringify(value)` returns, when every string in `value` is plain; otherwise undefined. */
export function plainYaml(value: unknown): string | undefined {
  try {
    if (isEmptyCollection(value)) return `${inline(value, 0)}\n`;
    return `${inline(value, 0) ?? block(value, 0, new Set())}\n`;
  } catch (err) {
    if (err instanceof NotPlain) return undefined;
    throw err;
  }
}
