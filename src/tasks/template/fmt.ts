/** Go fmt.Sprintf for the verbs templates use: %v %s %d %q %x %X %t %f %e %g %c %o %b %T %%. */
import { BoundedText, formatFloatG, formatValue, kindOf, sortedKeys, toNumber, typeName } from './go-value.js';
import { checkFormatNumber, checkSize, spend } from './budget.js';

/** strconv.Quote */
export function goQuote(s: string, q = '"'): string {
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}\u0020]$/u.test(ch)) {
      out += cp > 0xffff ? '\\U' + cp.toString(16).padStart(8, '0') : '\\u' + cp.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + q;
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | null;
  prec: number | null;
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  if (spec.width === null || [...s].length >= spec.width) return s;
  const n = spec.width - [...s].length;
  if (spec.minus) return s + ' '.repeat(n);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  if (spec.zero) return '0'.repeat(n) + s;
  return ' '.repeat(n) + s;
}

let badSpec: Spec | null = null;

function bad(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  const spec = badSpec;
  const inner = spec ? formatOne(v, 'v', spec) : formatValue(v, true);
  return `%!${verb}(${typeName(v)}=${inner})`;
}

function fmtInt(n: number, verb: string, spec: Spec): string {
  const neg = n < 0;
  const a = Math.abs(n);
  let digits: string;
  switch (verb) {
    case 'd':
    case 'v':
      digits = a.toString(10);
      break;
    case 'x':
      digits = a.toString(16);
      break;
    case 'X':
      digits = a.toString(16).toUpperCase();
      break;
    case 'o':
      digits = a.toString(8);
      break;
    case 'O':
      digits = '0o' + a.toString(8);
      break;
    case 'b':
      digits = a.toString(2);
      break;
    case 'c':
      return pad(String.fromCodePoint(n), spec, false);
    case 'q':
      return pad(goQuote(String.fromCodePoint(n), "'"), spec, false);
    case 'U':
      digits = 'U+' + a.toString(16).toUpperCase().padStart(4, '0');
      break;
    default:
      return bad(verb, n);
  }
  if (spec.prec !== null) digits = digits.padStart(spec.prec, '0');
  if (spec.sharp && (verb === 'x' || verb === 'X')) digits = (verb === 'x' ? '0x' : '0X') + digits;
  if (spec.sharp && verb === 'o' && digits[0] !== '0') digits = '0' + digits;
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(sign + digits, { ...spec, zero: spec.zero && spec.prec === null && !spec.minus }, true);
}

function fmtFloat(f: number, verb: string, spec: Spec): string {
  let s: string;
  switch (verb) {
    case 'v':
    case 'g':
      s = formatFloatG(f, spec.prec ?? -1);
      break;
    case 'G':
      s = formatFloatG(f, spec.prec ?? -1).toUpperCase();
      break;
    case 'f':
    case 'F':
      s = Number.isFinite(f) ? toFixedGo(f, spec.prec ?? 6) : formatFloatG(f);
      break;
    case 'e':
    case 'E': {
      const e = f.toExponential(spec.prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
      s = verb === 'E' ? e.toUpperCase() : e;
      break;
    }
    default:
      return bad(verb, f);
  }
  if (spec.plus && f >= 0) s = '+' + s;
  else if (spec.space && f >= 0) s = ' ' + s;
  return pad(s, { ...spec, zero: spec.zero && !spec.minus }, true);
}

function fmtString(s: string, verb: string, spec: Spec): string {
  switch (verb) {
    case 'v':
    case 's': {
      const t = spec.prec !== null ? [...s].slice(0, spec.prec).join('') : s;
      return pad(t, spec, false);
    }
    case 'q':
      return pad(spec.sharp && !s.includes('`') ? '`' + s + '`' : goQuote(s), spec, false);
    case 'x':
    case 'X': {
      const hex = Buffer.from(s, 'utf8').toString('hex');
      const sep = spec.space ? ' ' : '';
      const parts = hex.match(/../g) ?? [];
      let out = parts.map((p) => (spec.sharp ? '0x' : '') + p).join(sep);
      if (spec.sharp && !spec.space && parts.length) out = '0x' + hex;
      return pad(verb === 'X' ? out.toUpperCase().replace(/0X/g, '0X') : out, spec, false);
    }
    default:
      return bad(verb, s);
  }
}

/** Formats one operand for one verb. */
export function formatOne(v: unknown, verb: string, spec: Spec, depth = 0): string {
  badSpec = spec;
  if (verb === 'T') return pad(v === null || v === undefined ? '<nil>' : typeName(v), spec, false);
  const k = kindOf(v);
  switch (k) {
    case 'invalid':
    case 'nil':
      return verb === 'v' || depth > 0 ? pad('<nil>', spec, false) : bad(verb, null);
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(v), spec, false) : bad(verb, v);
    case 'int':
      return verb === 'v' || 'dxXobcqUO'.includes(verb)
        ? fmtInt(Number(v), verb, spec)
        : 'eEfFgG'.includes(verb)
          ? bad(verb, v)
          : bad(verb, v);
    case 'float':
      return fmtFloat(toNumber(v), verb, spec);
    case 'string':
      return fmtString(v as string, verb, spec);
    case 'slice':
    case 'map': {
      if (k === 'slice' && verb === 's' && (v as unknown[]).length === 0) return '[]';
      const out = new BoundedText('printf');
      writeComposite(v, verb, spec, depth, out);
      return out.text();
    }
    default:
      return verb === 'v' || verb === 's' ? pad(formatValue(v), spec, false) : bad(verb, v);
  }
}

/** A slice or map operand, element by element into `out` (so nested values cost O(size limit)). */
function writeComposite(v: unknown, verb: string, spec: Spec, depth: number, out: BoundedText): void {
  const one = (x: unknown): void => {
    const k = kindOf(x);
    if ((k === 'slice' && !(verb === 's' && (x as unknown[]).length === 0)) || k === 'map')
      writeComposite(x, verb, spec, depth + 1, out);
    else out.push(formatOne(x, verb, spec, depth + 1));
  };
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((x, i) => {
      if (i > 0) out.push(' ');
      one(x);
    });
    out.push(']');
    return;
  }
  const m = v as Record<string, unknown>;
  out.push('map[');
  sortedKeys(m).forEach((key, i) => {
    out.push((i > 0 ? ' ' : '') + formatOne(key, verb, spec, depth + 1) + ':');
    one(m[key]);
  });
  out.push(']');
}

/** fmt.Sprintf */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c !== '%') {
      const next = format.indexOf('%', i);
      const end = next < 0 ? format.length : next;
      out += format.slice(i, end);
      i = end;
      continue;
    }
    checkSize(out.length, 'printf');
    spend();
    i++;
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false, width: null, prec: null };
    for (; i < format.length; i++) {
      const f = format[i];
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = !spec.minus;
      else break;
    }
    const readNum = (what: 'width' | 'precision'): number | null => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        if (kindOf(a) !== 'int') return null;
        checkFormatNumber(Number(a), what);
        return Number(a);
      }
      const start = i;
      while (i < format.length && format.charCodeAt(i) >= 48 && format.charCodeAt(i) <= 57) i++;
      if (i === start) return null;
      const digits = format.slice(start, i);
      checkFormatNumber(digits.length > 15 ? Number.POSITIVE_INFINITY : Number(digits), what, digits);
      return Number(digits);
    };
    spec.width = readNum('width');
    if (spec.width !== null && spec.width < 0) {
      spec.minus = true;
      spec.width = -spec.width;
    }
    if (format[i] === '.') {
      i++;
      spec.prec = readNum('precision') ?? 0;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const one = formatOne(args[argi++], verb, spec);
    checkSize(out.length + one.length, 'printf');
    out += one;
  }
  if (argi < args.length) {
    out +=
      '%!(EXTRA ' +
      args
        .slice(argi)
        .map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${formatValue(a, true)}`))
        .join(', ') +
      ')';
  }
  return out;
}

/** Exact decimal expansion of a double, rounded half-to-even at `prec` fraction digits (Go's %f rounding). */
export function toFixedGo(x: number, prec: number): string {
  if (!Number.isFinite(x)) return String(x);
  const neg = x < 0 || Object.is(x, -0);
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  // value = mant * 2^e2 = num / den
  let num = mant;
  let den = 1n;
  if (e2 >= 0) num <<= BigInt(e2);
  else den <<= BigInt(-e2);
  const scale = 10n ** BigInt(prec);
  const scaled = num * scale;
  let q = scaled / den;
  const r = scaled % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  let s = q.toString().padStart(prec + 1, '0');
  if (prec > 0) s = s.slice(0, s.length - prec) + '.' + s.slice(s.length - prec);
  return (neg && x !== 0 ? '-' : '') + s;
}
