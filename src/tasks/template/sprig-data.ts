/** Sprig defaults, lists, dicts, JSON, integer math and conversions (defaults.go, list.go, dict.go, numeric.go). */
import { f, type FuncMap } from './func-types.js';
import { BoundedText, formatFloatG, GoFloat, kindOf, sortedKeys, toNumber } from './go-value.js';
import { spend } from './budget.js';
import { strslice, strval } from './sprig-strings.js';

/** sprig empty */
export function empty(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return true;
    case 'string':
      return (v as string).length === 0;
    case 'slice':
      return (v as unknown[]).length === 0;
    case 'map':
      return Object.keys(v as object).length === 0;
    case 'bool':
      return !v;
    case 'int':
    case 'float':
      return toNumber(v) === 0;
    default:
      return false;
  }
}

function listOf(name: string, v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  throw new Error(
    `Cannot find ${name} on type ${v === null || v === undefined ? '<nil>' : kindOf(v) === 'float' ? 'float64' : kindOf(v)}`,
  );
}

/** cast.ToInt64E (lenient: errors become 0) */
export function toInt64(v: unknown): number {
  switch (kindOf(v)) {
    case 'int':
      return Number(v);
    case 'float':
      return Math.trunc(toNumber(v));
    case 'bool':
      return v ? 1 : 0;
    case 'string': {
      const s = (v as string).replace(/\.0*$/, '');
      const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)$/.exec(s);
      if (!m) return 0;
      const body = m[2];
      let n: number;
      if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
      else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
      else if (/^0[oO]?[0-7]+$/.test(body) && body !== '0') n = parseInt(body.replace(/^0[oO]?/, ''), 8);
      else n = parseInt(body, 10);
      return m[1] === '-' ? -n : n;
    }
    default:
      return 0;
  }
}

function toFloat64(v: unknown): number {
  switch (kindOf(v)) {
    case 'int':
    case 'float':
      return toNumber(v);
    case 'bool':
      return v ? 1 : 0;
    case 'string': {
      const n = Number(v);
      return (v as string).trim() === '' || Number.isNaN(n) ? 0 : n;
    }
    default:
      return 0;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  spend();
  if (kindOf(a) !== kindOf(b)) return false;
  if (Array.isArray(a))
    return a.length === (b as unknown[]).length && a.every((x, i) => deepEqual(x, (b as unknown[])[i]));
  if (kindOf(a) === 'map') {
    const ka = sortedKeys(a as Record<string, unknown>);
    const kb = sortedKeys(b as Record<string, unknown>);
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
    );
  }
  if (kindOf(a) === 'float' || kindOf(a) === 'int') return toNumber(a) === toNumber(b);
  return a === b;
}

/** encoding/json Marshal: sorted keys, HTML-safe escaping. */
export function goJson(v: unknown, indent = '', level = 0, escapeHtml = true): string {
  const out = new BoundedText('toJson');
  writeJson(v, indent, level, escapeHtml, out);
  return out.text();
}

function writeJson(v: unknown, indent: string, level: number, escapeHtml: boolean, out: BoundedText): void {
  const nl = indent ? '\n' + indent.repeat(level + 1) : '';
  const close = indent ? '\n' + indent.repeat(level) : '';
  switch (kindOf(v)) {
    case 'slice': {
      const a = v as unknown[];
      if (a.length === 0) return out.push('[]');
      out.push('[');
      a.forEach((x, i) => {
        out.push((i > 0 ? ',' : '') + nl);
        writeJson(x, indent, level + 1, escapeHtml, out);
      });
      return out.push(close + ']');
    }
    case 'map': {
      const m = v as Record<string, unknown>;
      const keys = sortedKeys(m);
      if (keys.length === 0) return out.push('{}');
      out.push('{');
      keys.forEach((k, i) => {
        out.push((i > 0 ? ',' : '') + nl + jsonScalar(k, escapeHtml) + (indent ? ': ' : ':'));
        writeJson(m[k], indent, level + 1, escapeHtml, out);
      });
      return out.push(close + '}');
    }
    default:
      return out.push(jsonScalar(v, escapeHtml));
  }
}

function jsonScalar(v: unknown, escapeHtml: boolean): string {
  switch (kindOf(v)) {
    case 'string': {
      let s = JSON.stringify(v).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
      if (escapeHtml) s = s.replace(/[<>&]/g, (c) => '\\u00' + c.charCodeAt(0).toString(16));
      return s;
    }
    case 'int':
      return String(v);
    case 'float': {
      const x = toNumber(v);
      if (!Number.isFinite(x)) throw new Error(`json: unsupported value: ${formatFloatG(x)}`);
      const a = Math.abs(x);
      if (a !== 0 && (a < 1e-6 || a >= 1e21)) return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
      return String(x);
    }
    case 'bool':
      return String(v);
    case 'time':
      return JSON.stringify((v as Date).toISOString().replace('.000Z', 'Z'));
    default:
      return 'null';
  }
}

function fromJsonValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? new GoFloat(v) : v;
  if (Array.isArray(v)) return v.map(fromJsonValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJsonValue(x)]));
  return v;
}

const intOp = (fn: (a: number, b: number) => number) =>
  f(['any', 'any'], (a: unknown, b: unknown) => fn(toInt64(a), toInt64(b)));

export const sprigData: FuncMap = {
  default: f(
    ['any'],
    (d: unknown, ...given: unknown[]) => (given.length === 0 || empty(given[0]) ? d : given[0]),
    'any',
  ),
  empty: f(['any'], empty),
  coalesce: f([], (...v: unknown[]) => v.find((x) => !empty(x)) ?? null, 'any'),
  ternary: f(['any', 'any', 'bool'], (vt: unknown, vf: unknown, c: boolean) => (c ? vt : vf)),
  all: f([], (...v: unknown[]) => v.every((x) => !empty(x)), 'any'),
  any: f([], (...v: unknown[]) => v.some((x) => !empty(x)), 'any'),
  list: f([], (...v: unknown[]) => v.map((x) => (x === undefined ? null : x)), 'any'),
  first: f(['any'], (l: unknown) => (listOf('first', l).length ? listOf('first', l)[0] : null)),
  last: f(['any'], (l: unknown) => (listOf('last', l).length ? listOf('last', l)[listOf('last', l).length - 1] : null)),
  rest: f(['any'], (l: unknown) => (listOf('rest', l).length ? listOf('rest', l).slice(1) : null)),
  initial: f(['any'], (l: unknown) => (listOf('initial', l).length ? listOf('initial', l).slice(0, -1) : null)),
  append: f(['any', 'any'], (l: unknown, v: unknown) => [...listOf('push', l), v === undefined ? null : v]),
  push: f(['any', 'any'], (l: unknown, v: unknown) => [...listOf('push', l), v === undefined ? null : v]),
  prepend: f(['any', 'any'], (l: unknown, v: unknown) => [v === undefined ? null : v, ...listOf('prepend', l)]),
  reverse: f(['any'], (l: unknown) => [...listOf('reverse', l)].reverse()),
  uniq: f(['any'], (l: unknown) => listOf('uniq', l).filter((x, i, a) => a.findIndex((y) => deepEqual(x, y)) === i)),
  compact: f(['any'], (l: unknown) => listOf('compact', l).filter((x) => !empty(x))),
  has: f(['any', 'any'], (needle: unknown, hay: unknown) =>
    hay === null || hay === undefined ? false : listOf('has', hay).some((x) => deepEqual(x, needle)),
  ),
  without: f(
    ['any'],
    (l: unknown, ...omit: unknown[]) => listOf('without', l).filter((x) => !omit.some((o) => deepEqual(o, x))),
    'any',
  ),
  sortAlpha: f(['any'], (l: unknown) => strslice(l).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))),
  slice: f(
    ['any'],
    (l: unknown, ...ix: unknown[]) => {
      if (!Array.isArray(l))
        throw new Error(`list should be type of slice or array but ${kindOf(l) === 'float' ? 'float64' : kindOf(l)}`);
      const a = ix.length > 0 ? toInt64(ix[0]) : 0;
      const b = ix.length > 1 ? toInt64(ix[1]) : l.length;
      if (a < 0 || b > l.length || a > b) throw new Error(`runtime error: slice bounds out of range [${a}:${b}]`);
      return l.slice(a, b);
    },
    'any',
  ),
  concat: f([], (...ls: unknown[]) => ls.flatMap((l) => (Array.isArray(l) ? l : [])), 'any'),
  dict: f(
    [],
    (...v: unknown[]) => {
      const d: Record<string, unknown> = {};
      for (let i = 0; i < v.length; i += 2)
        d[strval(v[i])] = i + 1 < v.length ? (v[i + 1] === undefined ? null : v[i + 1]) : '';
      return d;
    },
    'any',
  ),
  get: f(['map', 'string'], (d: Record<string, unknown> | null, k: string) =>
    d && Object.prototype.hasOwnProperty.call(d, k) ? d[k] : '',
  ),
  set: f(['map', 'string', 'any'], (d: Record<string, unknown> | null, k: string, v: unknown) => {
    if (!d) throw new Error('assignment to entry in nil map');
    d[k] = v;
    return d;
  }),
  unset: f(['map', 'string'], (d: Record<string, unknown> | null, k: string) => {
    if (d) delete d[k];
    return d;
  }),
  hasKey: f(
    ['map', 'string'],
    (d: Record<string, unknown> | null, k: string) => !!d && Object.prototype.hasOwnProperty.call(d, k),
  ),
  keys: f([], (...ds: (Record<string, unknown> | null)[]) => ds.flatMap((d) => (d ? sortedKeys(d) : [])), 'map'),
  values: f(['map'], (d: Record<string, unknown> | null) => (d ? sortedKeys(d).map((k) => d[k]) : [])),
  pluck: f(
    ['string'],
    (k: string, ...ds: (Record<string, unknown> | null)[]) => ds.filter((d) => d && k in d).map((d) => d![k]),
    'map',
  ),
  pick: f(
    ['map'],
    (d: Record<string, unknown> | null, ...ks: string[]) =>
      Object.fromEntries(ks.filter((k) => d && k in d).map((k) => [k, d![k]])),
    'string',
  ),
  omit: f(
    ['map'],
    (d: Record<string, unknown> | null, ...ks: string[]) =>
      Object.fromEntries(Object.entries(d ?? {}).filter(([k]) => !ks.includes(k))),
    'string',
  ),
  toJson: f(['any'], (v: unknown) => {
    try {
      return goJson(v);
    } catch {
      return '';
    }
  }),
  toPrettyJson: f(['any'], (v: unknown) => {
    try {
      return goJson(v, '  ');
    } catch {
      return '';
    }
  }),
  toRawJson: f(['any'], (v: unknown) => goJson(v, '', 0, false)),
  fromJson: f(['string'], (s: string) => {
    try {
      return fromJsonValue(JSON.parse(s));
    } catch {
      return {};
    }
  }),
  atoi: f(['string'], (s: string) => (/^[+-]?\d+$/.test(s) && Number.isSafeInteger(Number(s)) ? Number(s) : 0)),
  int: f(['any'], toInt64),
  int64: f(['any'], toInt64),
  float64: f(['any'], (v: unknown) => new GoFloat(toFloat64(v))),
  add: f([], (...v: unknown[]) => v.reduce<number>((a, b) => a + toInt64(b), 0), 'any'),
  add1: f(['any'], (a: unknown) => toInt64(a) + 1),
  sub: intOp((a, b) => a - b),
  mul: f(['any'], (a: unknown, ...v: unknown[]) => v.reduce<number>((x, y) => x * toInt64(y), toInt64(a)), 'any'),
  div: intOp((a, b) => {
    if (b === 0) throw new Error('runtime error: integer divide by zero');
    return Math.trunc(a / b);
  }),
  mod: intOp((a, b) => {
    if (b === 0) throw new Error('runtime error: integer divide by zero');
    return a % b;
  }),
  max: f(['any'], (a: unknown, ...v: unknown[]) => Math.max(toInt64(a), ...v.map(toInt64)), 'any'),
  min: f(['any'], (a: unknown, ...v: unknown[]) => Math.min(toInt64(a), ...v.map(toInt64)), 'any'),
  until: f(['int'], (n: number) => {
    if (Math.abs(n) > 100000) throw new Error('until: count too large');
    return Array.from({ length: Math.abs(n) }, (_x, i) => (n < 0 ? -i : i));
  }),
};
