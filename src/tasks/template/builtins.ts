/** text/template's predefined functions (funcs.go). */
import { f, type FuncMap } from './func-types.js';
import { isMap, isTrue, kindOf, sprint, sprintln, toNumber } from './go-value.js';
import { sprintf } from './fmt.js';

function basicKind(v: unknown): string {
  const k = kindOf(v);
  if (k === 'bool' || k === 'int' || k === 'float' || k === 'string') return k;
  throw new Error('invalid type for comparison');
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const ka = kindOf(a);
  for (const b of rest) {
    const kb = kindOf(b);
    let truth = false;
    const aNil = ka === 'nil' || ka === 'invalid';
    const bNil = kb === 'nil' || kb === 'invalid';
    if (aNil || bNil) truth = aNil && bNil;
    else if (ka !== kb) throw new Error('incompatible types for comparison');
    else if (ka === 'slice' || ka === 'map' || ka === 'func') throw new Error(`non-comparable type ${ka}`);
    else if (ka === 'int' || ka === 'float') truth = toNumber(a) === toNumber(b);
    else if (ka === 'time') truth = (a as Date).getTime() === (b as Date).getTime();
    else truth = a === b;
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) throw new Error('incompatible types for comparison');
  if (ka === 'bool') throw new Error('invalid type for comparison');
  if (ka === 'string') return (a as string) < (b as string);
  return toNumber(a) < toNumber(b);
}

function length(item: unknown): number {
  const k = kindOf(item);
  if (k === 'nil' || k === 'invalid') throw new Error('len of nil pointer');
  if (k === 'string') return Buffer.byteLength(item as string, 'utf8');
  if (k === 'slice') return (item as unknown[]).length;
  if (k === 'map') return Object.keys(item as object).length;
  throw new Error(`len of type ${k === 'float' ? 'float64' : k}`);
}

function indexArg(v: unknown, cap: number): number {
  if (kindOf(v) !== 'int')
    throw new Error(`cannot index slice/array with type ${kindOf(v) === 'float' ? 'float64' : kindOf(v)}`);
  const x = Number(v);
  if (x < 0 || x >= cap) throw new Error(`index out of range: ${x}`);
  return x;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  let v = item;
  if (v === null || v === undefined) throw new Error('index of untyped nil');
  for (const ix of indexes) {
    const k = kindOf(v);
    if (k === 'slice') v = (v as unknown[])[indexArg(ix, (v as unknown[]).length)];
    else if (k === 'string') v = Buffer.from(v as string, 'utf8')[indexArg(ix, Buffer.byteLength(v as string))];
    else if (k === 'map') {
      if (kindOf(ix) !== 'string') throw new Error(`value has type ${kindOf(ix)}; should be string`);
      const m = v as Record<string, unknown>;
      v = Object.prototype.hasOwnProperty.call(m, ix as string) ? m[ix as string] : null;
    } else if (k === 'nil') throw new Error('index of nil pointer');
    else throw new Error(`can't index item of type ${k}`);
    if (v === undefined) v = null;
  }
  return v;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  const k = kindOf(item);
  if (k === 'nil' || k === 'invalid') throw new Error('slice of untyped nil');
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  if (k !== 'string' && k !== 'slice') throw new Error(`can't slice item of type ${k}`);
  const len = k === 'string' ? Buffer.byteLength(item as string) : (item as unknown[]).length;
  if (k === 'string' && indexes.length === 3) throw new Error('cannot 3-index slice a string');
  const ix = [0, len];
  indexes.forEach((x, i) => {
    if (kindOf(x) !== 'int') throw new Error(`cannot index slice/array with type ${kindOf(x)}`);
    ix[i] = Number(x);
    if (ix[i] < 0 || ix[i] > len) throw new Error(`index out of range: ${ix[i]}`);
  });
  if (ix[0] > ix[1]) throw new Error(`invalid slice index: ${ix[0]} > ${ix[1]}`);
  if (k === 'string')
    return Buffer.from(item as string, 'utf8')
      .subarray(ix[0], ix[1])
      .toString('utf8');
  return (item as unknown[]).slice(ix[0], ix[1]);
}

function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === null || a === undefined ? '<no value>' : a)));
}

export function htmlEscape(s: string): string {
  return s.replace(
    /[&'<>"\0]/g,
    (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!,
  );
}

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === '<') out += '\\u003C';
    else if (ch === '>') out += '\\u003E';
    else if (ch === '&') out += '\\u0026';
    else if (ch === '=') out += '\\u003D';
    else if (cp < 0x20) out += '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
    else out += ch;
  }
  return out;
}

/** url.QueryEscape */
export function queryEscape(s: string): string {
  return Array.from(Buffer.from(s, 'utf8'))
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      if (c === ' ') return '+';
      return '%' + b.toString(16).toUpperCase().padStart(2, '0');
    })
    .join('');
}

export const builtinFuncs: FuncMap = {
  and: f(['value'], () => undefined, 'value'),
  or: f(['value'], () => undefined, 'value'),
  not: f(['value'], (a) => !isTrue(a)),
  len: f(['value'], length),
  index: f(['value'], index, 'value'),
  slice: f(['value'], slice, 'value'),
  print: f([], (...a) => sprint(a), 'any'),
  printf: f(['string'], (fmt: string, ...a) => sprintf(fmt, a), 'any'),
  println: f([], (...a) => sprintln(a), 'any'),
  html: f([], (...a) => htmlEscape(evalArgs(a)), 'any'),
  js: f([], (...a) => jsEscape(evalArgs(a)), 'any'),
  urlquery: f([], (...a) => queryEscape(evalArgs(a)), 'any'),
  eq: f(['value'], eq, 'value'),
  ne: f(['value', 'value'], (a, b) => !eq(a, b)),
  lt: f(['value', 'value'], lt),
  le: f(['value', 'value'], (a, b) => lt(a, b) || eq(a, b)),
  gt: f(['value', 'value'], (a, b) => !(lt(a, b) || eq(a, b))),
  ge: f(['value', 'value'], (a, b) => !lt(a, b)),
  call: f(
    ['value'],
    (fn, ...args) => {
      if (typeof fn !== 'function') throw new Error(`non-function of type ${kindOf(fn)}`);
      return fn(...args);
    },
    'value',
  ),
};

export { isMap };
