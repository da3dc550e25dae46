/** Sprig string functions (Masterminds/sprig strings.go), with Sprig's argument order and Go's byte semantics. */
import { f, type FuncMap } from './func-types.js';
import { formatValue, kindOf } from './go-value.js';
import { goQuote } from './fmt.js';
import { checkSize } from './budget.js';

/** sprig strval: strings as-is, everything else through %v. */
export function strval(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '<nil>';
  return formatValue(v, true);
}

/** sprig strslice */
export function strslice(v: unknown): string[] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(strval);
  return [strval(v)];
}

const isWordSep = (c: string): boolean => {
  if (/[A-Za-z0-9_]/.test(c)) return false;
  if (/^[\p{L}\p{Nd}]$/u.test(c)) return false;
  return true;
};

/** strings.Title */
export function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isWordSep(prev) ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

function bytes(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

function sliceBytes(s: string, a: number, b?: number): string {
  const buf = bytes(s);
  const end = b ?? buf.length;
  if (a < 0 || end > buf.length || a > end) throw new Error(`runtime error: slice bounds out of range [${a}:${end}]`);
  return buf.subarray(a, end).toString('utf8');
}

function goSplit(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

function repeat(count: number, s: string): string {
  if (count < 0) throw new Error('strings: negative Repeat count');
  checkSize(count * s.length, 'repeat');
  return s.repeat(count);
}

/** Sprig indent: `n` spaces before every line (the padding counts against the size budget before it is built). */
function indentLines(n: number, s: string, lead: string): string {
  if (n < 0) throw new Error('strings: negative Repeat count');
  let lines = 1;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) lines++;
  checkSize(lead.length + s.length + lines * n, lead ? 'nindent' : 'indent');
  const pad = ' '.repeat(n);
  return lead + pad + s.split('\n').join('\n' + pad);
}

/** strings.Replace(src, o, n, -1) with the result's size checked before it is built. */
function replaceAll(o: string, n: string, src: string): string {
  let count = 0;
  if (o === '') count = [...src].length + 1;
  else for (let i = src.indexOf(o); i >= 0; i = src.indexOf(o, i + o.length)) count++;
  checkSize(src.length + count * (n.length - o.length), 'replace');
  return o === '' ? goReplaceEmpty(src, n) : src.split(o).join(n);
}

function removeNil(v: unknown[]): unknown[] {
  return v.filter((x) => x !== null && x !== undefined);
}

export const sprigStrings: FuncMap = {
  upper: f(['string'], (s: string) => s.toUpperCase()),
  lower: f(['string'], (s: string) => s.toLowerCase()),
  title: f(['string'], title),
  untitle: f(['string'], (s: string) =>
    s.replace(/(^|[^\p{L}\p{Nd}_])(\p{L})/gu, (_m, a: string, b: string) => a + b.toLowerCase()),
  ),
  trim: f(['string'], (s: string) => s.replace(/^[\s\u0085\u00a0]+|[\s\u0085\u00a0]+$/gu, '')),
  trimAll: f(['string', 'string'], (cut: string, s: string) => trimSet(s, cut, true, true)),
  trimall: f(['string', 'string'], (cut: string, s: string) => trimSet(s, cut, true, true)),
  trimPrefix: f(['string', 'string'], (a: string, b: string) => (b.startsWith(a) ? b.slice(a.length) : b)),
  trimSuffix: f(['string', 'string'], (a: string, b: string) =>
    a !== '' && b.endsWith(a) ? b.slice(0, b.length - a.length) : b,
  ),
  replace: f(['string', 'string', 'string'], replaceAll),
  contains: f(['string', 'string'], (sub: string, s: string) => s.includes(sub)),
  hasPrefix: f(['string', 'string'], (sub: string, s: string) => s.startsWith(sub)),
  hasSuffix: f(['string', 'string'], (sub: string, s: string) => s.endsWith(sub)),
  quote: f(
    [],
    (...v: unknown[]) =>
      removeNil(v)
        .map((x) => goQuote(strval(x)))
        .join(' '),
    'any',
  ),
  squote: f(
    [],
    (...v: unknown[]) =>
      removeNil(v)
        .map((x) => `'${strval(x)}'`)
        .join(' '),
    'any',
  ),
  cat: f(
    [],
    (...v: unknown[]) =>
      removeNil(v)
        .map((x) => formatValue(x, true))
        .join(' '),
    'any',
  ),
  indent: f(['int', 'string'], (n: number, s: string) => indentLines(n, s, '')),
  nindent: f(['int', 'string'], (n: number, s: string) => indentLines(n, s, '\n')),
  repeat: f(['int', 'string'], repeat),
  substr: f(['int', 'int', 'string'], (start: number, end: number, s: string) => {
    if (start < 0) return sliceBytes(s, 0, end);
    if (end < 0 || end > bytes(s).length) return sliceBytes(s, start);
    return sliceBytes(s, start, end);
  }),
  trunc: f(['int', 'string'], (c: number, s: string) => {
    const n = bytes(s).length;
    if (c < 0 && n + c > 0) return sliceBytes(s, n + c);
    if (c >= 0 && n > c) return sliceBytes(s, 0, c);
    return s;
  }),
  split: f(['string', 'string'], (sep: string, s: string) => {
    const out: Record<string, unknown> = {};
    goSplit(s, sep).forEach((p, i) => (out['_' + i] = p));
    return out;
  }),
  splitList: f(['string', 'string'], (sep: string, s: string) => goSplit(s, sep)),
  splitn: f(['string', 'int', 'string'], (sep: string, n: number, s: string) => {
    const parts = goSplit(s, sep);
    const out: Record<string, unknown> = {};
    const lim = n < 0 ? parts.length : Math.min(n, parts.length);
    for (let i = 0; i < lim; i++) out['_' + i] = i === lim - 1 && n > 0 ? parts.slice(i).join(sep) : parts[i];
    return out;
  }),
  join: f(['string', 'any'], (sep: string, v: unknown) => strslice(v).join(sep)),
  nospace: f(['string'], (s: string) => s.replace(/\s+/gu, '')),
  toString: f(['any'], strval),
  toStrings: f(['any'], (v: unknown) => (Array.isArray(v) ? v.map((x) => strval(x)) : strslice(v))),
  abbrev: f(['int', 'string'], (w: number, s: string) => (w < 4 || s.length <= w ? s : s.slice(0, w - 3) + '...')),
  plural: f(['string', 'string', 'int'], (one: string, many: string, n: number) => (n === 1 ? one : many)),
  snakecase: f(['string'], (s: string) =>
    s
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[\s-]+/g, '_')
      .toLowerCase(),
  ),
  kebabcase: f(['string'], (s: string) =>
    s
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .replace(/[\s_]+/g, '-')
      .toLowerCase(),
  ),
  camelcase: f(['string'], (s: string) =>
    s
      .split(/[_\s-]+/)
      .map((w) => (w ? w[0].toUpperCase() + w.slice(1) : ''))
      .join(''),
  ),
  wrap: f(['int', 'string'], (_n: number, s: string) => s),
  initials: f(['string'], (s: string) =>
    s
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => [...w][0])
      .join(''),
  ),
  swapcase: f(['string'], (s: string) =>
    [...s].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  ),
  kindIs: f(['string', 'any'], (k: string, v: unknown) => goKind(v) === k),
  kindOf: f(['any'], (v: unknown) => goKind(v)),
  typeOf: f(['any'], (v: unknown) =>
    v === null || v === undefined
      ? '<nil>'
      : goKind(v) === 'map'
        ? 'map[string]interface {}'
        : goKind(v) === 'slice'
          ? '[]interface {}'
          : goKind(v),
  ),
};

function goKind(v: unknown): string {
  const k = kindOf(v);
  return k === 'float' ? 'float64' : k === 'nil' || k === 'invalid' ? 'invalid' : k === 'time' ? 'struct' : k;
}

function goReplaceEmpty(src: string, n: string): string {
  const chars = [...src];
  return n + chars.join(n) + (chars.length ? n : '');
}

function trimSet(s: string, cut: string, left: boolean, right: boolean): string {
  const set = new Set([...cut]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  if (left) while (a < b && set.has(chars[a])) a++;
  if (right) while (b > a && set.has(chars[b - 1])) b--;
  return chars.slice(a, b).join('');
}
