/** Go literal syntax: strconv.Unquote for strings and the number rules of text/template/parse.newNumber. */

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** Go strconv.Unquote for "..." and `...` (and '...' char literals). Returns null on invalid syntax. */
export function unquote(s: string): string | null {
  if (s.length < 2) return null;
  const q = s[0];
  if (q !== s[s.length - 1]) return null;
  const body = s.slice(1, -1);
  if (q === '`') return body.includes('`') ? null : body.replace(/\r/g, '');
  if (q !== '"' && q !== "'") return null;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === q && q === '"') return null;
    if (c === '\n') return null;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return null;
    if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else if (e === q) out += q;
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return null;
      const v = parseInt(hex, 16);
      if (e === 'x') out += String.fromCharCode(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return null;
        out += String.fromCodePoint(v);
      }
      i += n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      const v = parseInt(oct, 8);
      if (v > 255) return null;
      out += String.fromCharCode(v);
      i += 2;
    } else return null;
  }
  if (q === "'" && [...out].length !== 1) return null;
  return out;
}

export interface ParsedNumber {
  text: string;
  isInt: boolean;
  isFloat: boolean;
  int: number;
  float: number;
}

function parseGoInt(text: string): number | null {
  let t = text.replace(/_/g, '');
  if (text.startsWith('_') || text.endsWith('_') || text.includes('__')) return null;
  let sign = 1;
  if (t[0] === '+' || t[0] === '-') {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^0[bB][01]+$/.test(t)) v = parseInt(t.slice(2), 2);
  else if (/^0[oO]?[0-7]+$/.test(t)) v = parseInt(t.replace(/^0[oO]?/, ''), 8);
  else if (/^(0|[1-9][0-9]*)$/.test(t)) v = parseInt(t, 10);
  else return null;
  if (!Number.isSafeInteger(v)) return null;
  return sign * v;
}

/** parse.newNumber: integers, floats (an integral float is also an int) and character constants. */
export function parseNumber(text: string, isChar: boolean): ParsedNumber | null {
  if (isChar) {
    const s = unquote(text);
    if (s === null) return null;
    const cp = s.codePointAt(0)!;
    return { text, isInt: true, isFloat: true, int: cp, float: cp };
  }
  if (/i$/.test(text)) return null; // complex constants are not supported
  const asInt = parseGoInt(text);
  if (asInt !== null) return { text, isInt: true, isFloat: true, int: asInt, float: asInt };
  const clean = text.replace(/_/g, '');
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) {
    const f = Number(clean);
    if (!Number.isFinite(f)) return null;
    const isInt = Number.isInteger(f) && Math.abs(f) <= Number.MAX_SAFE_INTEGER;
    return { text, isInt, isFloat: true, int: isInt ? f : 0, float: f };
  }
  if (/^[+-]?0[xX]/.test(clean) && /[pP]/.test(clean)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(clean);
    if (!m) return null;
    const mant = parseInt((m[2] || '0') + (m[3] || ''), 16) / Math.pow(16, m[3].length);
    const f = (m[1] === '-' ? -1 : 1) * mant * Math.pow(2, Number(m[4]));
    const isInt = Number.isInteger(f);
    return { text, isInt, isFloat: true, int: isInt ? f : 0, float: f };
  }
  return null;
}
