/**
 * The Go value model of the engine. JS values stand for Go values:
 * undefined = invalid reflect.Value ("no value"); null = nil interface{}; string; boolean;
 * number = int when integral, float64 otherwise; GoFloat = a float64 whose value is integral;
 * arrays = []interface{}; plain objects = map[string]interface{}; Date = time.Time; functions = func values.
 */
import { checkSize, spend } from './budget.js';

export class GoFloat {
  constructor(readonly value: number) {}
}

export type Kind =
  | 'invalid'
  | 'nil'
  | 'string'
  | 'int'
  | 'float'
  | 'bool'
  | 'map'
  | 'slice'
  | 'time'
  | 'func'
  | 'other';

export function kindOf(v: unknown): Kind {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'function':
      return 'func';
  }
  if (v instanceof GoFloat) return 'float';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Date) return 'time';
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null ? 'map' : 'other';
  }
  return 'other';
}

export function isMap(v: unknown): v is Record<string, unknown> {
  return kindOf(v) === 'map';
}

export function toNumber(v: unknown): number {
  if (v instanceof GoFloat) return v.value;
  return Number(v);
}

/** Go type name used in error messages. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'invalid':
      return '<nil>';
    case 'nil':
      return 'interface {}';
    case 'string':
      return 'string';
    case 'int':
      return 'int';
    case 'float':
      return 'float64';
    case 'bool':
      return 'bool';
    case 'map':
      return 'map[string]interface {}';
    case 'slice':
      return '[]interface {}';
    case 'time':
      return 'time.Time';
    case 'func':
      return 'func';
    default:
      return 'interface {}';
  }
}

/** text/template's truth: empty values are false. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'invalid':
    case 'nil':
      return false;
    case 'string':
      return (v as string).length > 0;
    case 'int':
    case 'float':
      return toNumber(v) !== 0;
    case 'bool':
      return v as boolean;
    case 'slice':
      return (v as unknown[]).length > 0;
    case 'map':
      return Object.keys(v as object).length > 0;
    default:
      return true;
  }
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64) with fmt's %v exponent form. */
export function formatFloatG(f: number, prec = -1): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const e = prec < 0 ? f.toExponential() : f.toExponential(Math.max(prec, 1) - 1);
  const [mant, expStr] = e.split('e');
  const exp = Number(expStr);
  const eprec = prec < 0 ? 6 : prec === 0 ? 1 : prec;
  let digits = mant.replace('-', '').replace('.', '');
  if (prec >= 0) digits = digits.replace(/0+$/, '') || '0';
  const neg = f < 0 ? '-' : '';
  if (exp < -4 || exp >= eprec) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const es = Math.abs(exp) < 10 ? '0' + Math.abs(exp) : String(Math.abs(exp));
    return `${neg}${m}e${exp < 0 ? '-' : '+'}${es}`;
  }
  if (exp < 0) return `${neg}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return neg + digits + '0'.repeat(exp + 1 - digits.length);
  return `${neg}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

export function sortedKeys(m: Record<string, unknown>): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** fmt's %v of a value (Sprint of one operand). `nested` marks values inside a composite. */
export function formatValue(v: unknown, nested = false): string {
  const k = kindOf(v);
  if (k !== 'slice' && k !== 'map') return formatScalar(v, nested);
  const out = new BoundedText('formatting a value');
  writeValue(v, out);
  return out.text();
}

function writeValue(v: unknown, out: BoundedText): void {
  switch (kindOf(v)) {
    case 'slice': {
      const a = v as unknown[];
      out.push('[');
      for (let i = 0; i < a.length; i++) {
        if (i > 0) out.push(' ');
        writeValue(a[i], out);
      }
      out.push(']');
      return;
    }
    case 'map': {
      const m = v as Record<string, unknown>;
      out.push('map[');
      sortedKeys(m).forEach((k, i) => {
        out.push(i > 0 ? ` ${k}:` : `${k}:`);
        writeValue(m[k], out);
      });
      out.push(']');
      return;
    }
    default:
      out.push(formatScalar(v, true));
  }
}

function formatScalar(v: unknown, nested: boolean): string {
  switch (kindOf(v)) {
    case 'invalid':
      return nested ? '<nil>' : '<no value>';
    case 'nil':
      return '<nil>';
    case 'string':
      return v as string;
    case 'int':
      return typeof v === 'bigint' ? v.toString() : String(v);
    case 'float':
      return formatFloatG(toNumber(v));
    case 'bool':
      return String(v);
    case 'time':
      return formatGoTime(v as Date);
    case 'func':
      return '0x1';
    default:
      return String(v);
  }
}

/**
 * Text built piece by piece for a nested value, charged to the render's budget and failing as soon as it outgrows the
 * size limit, so formatting costs O(limit) even for a value that shares sub-values exponentially often.
 */
export class BoundedText {
  private readonly parts: string[] = [];
  private length = 0;
  constructor(private readonly what: string) {}

  push(s: string): void {
    spend();
    this.length += s.length;
    checkSize(this.length, this.what);
    this.parts.push(s);
  }

  text(): string {
    return this.parts.join('');
  }
}

function formatGoTime(d: Date): string {
  const iso = d.toISOString();
  const ms = d.getUTCMilliseconds();
  const frac = ms ? '.' + String(ms).padStart(3, '0').replace(/0+$/, '') : '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac} +0000 UTC`;
}

/** fmt.Sprint: spaces are added between operands when neither is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && kindOf(a) !== 'string' && kindOf(args[i - 1]) !== 'string') out += ' ';
    out += formatValue(a === undefined ? null : a, true);
  });
  return out;
}

export function sprintln(args: unknown[]): string {
  return args.map((a) => formatValue(a === undefined ? null : a, true)).join(' ') + '\n';
}
