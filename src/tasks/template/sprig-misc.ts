/** Sprig encoding, crypto, date, regex, semver and environment functions. */
import { checkSize, spend } from './budget.js';
import { createHash, randomUUID } from 'node:crypto';
import { f, type FuncMap } from './func-types.js';
import { kindOf, toNumber } from './go-value.js';
import { strval } from './sprig-strings.js';
import { formatGoTime, parseGoTime } from './go-time.js';
import { parseSemver, semverSatisfies } from './semver.js';

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function b64dec(s: string): string {
  if (!B64.test(s)) {
    let i = 0;
    while (i < s.length && /[A-Za-z0-9+/]/.test(s[i])) i++;
    const at = i - (i % 4);
    return `illegal base64 data at input byte ${Math.min(at + (s.length % 4 === 0 ? i - at : 0), s.length)}`;
  }
  return Buffer.from(s, 'base64').toString('utf8');
}

function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  if (kindOf(v) === 'int') return new Date(Number(v) * 1000);
  return new Date(0);
}

/** Go regexp syntax to a JS RegExp (leading (?flags) become JS flags). */
export function goRegex(expr: string, global = false): RegExp {
  let flags = global ? 'gu' : 'u';
  let src = expr;
  const m = /^\(\?([imsU]+)\)/.exec(src);
  if (m) {
    src = src.slice(m[0].length);
    for (const c of m[1]) if ('ims'.includes(c) && !flags.includes(c)) flags += c;
  }
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\\z/g, '$(?![\\s\\S])')
    .replace(/\\A/g, '^');
  try {
    return new RegExp(src, flags);
  } catch (e) {
    throw new Error(`error parsing regexp: ${(e as Error).message}`);
  }
}

/** Tracks a replacement's result length, failing before it outgrows the size budget. */
function growth(what: string, length: number): (match: string, replacement: string) => string {
  let total = length;
  return (match, replacement) => {
    spend();
    total += replacement.length - match.length;
    checkSize(total, what);
    return replacement;
  };
}

/** regexp.Expand-style template: $1 ${1} $name ${name} $$ */
function expandRepl(tpl: string, match: RegExpExecArray): string {
  return tpl.replace(
    /\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g,
    (all, _x, braced: string | undefined, bare: string | undefined) => {
      if (all === '$$') return '$';
      const name = braced ?? bare ?? '';
      if (/^\d+$/.test(name)) return match[Number(name)] ?? '';
      return match.groups?.[name] ?? '';
    },
  );
}

export const sprigMisc: FuncMap = {
  b64enc: f(['any'], (v: unknown) =>
    v === null || v === undefined ? '' : Buffer.from(strval(v), 'utf8').toString('base64'),
  ),
  b64dec: f(['string'], b64dec),
  sha256sum: f(['string'], (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')),
  sha1sum: f(['string'], (s: string) => createHash('sha1').update(s, 'utf8').digest('hex')),
  uuidv4: f([], () => randomUUID()),
  env: f(['string'], () => ''),
  expandenv: f(['string'], (s: string) => s.replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '')),
  now: f([], () => new Date()),
  date: f(['string', 'any'], (fmt: string, d: unknown) => formatGoTime(toDate(d), fmt)),
  dateInZone: f(['string', 'any', 'string'], (fmt: string, d: unknown) => formatGoTime(toDate(d), fmt)),
  htmlDate: f(['any'], (d: unknown) => formatGoTime(toDate(d), '2006-01-02')),
  toDate: f(
    ['string', 'string'],
    (fmt: string, s: string) => parseGoTime(fmt, s) ?? new Date(Date.UTC(0, 0, 1) - 1900 * 0),
  ),
  unixEpoch: f(['any'], (d: unknown) => String(Math.floor(toDate(d).getTime() / 1000))),
  dateModify: f(['string', 'any'], (mod: string, d: unknown) => {
    const m = /^([+-]?\d+)(h|m|s|ms)$/.exec(mod);
    if (!m) return toDate(d);
    const mult = { h: 3600000, m: 60000, s: 1000, ms: 1 }[m[2] as 'h'];
    return new Date(toDate(d).getTime() + Number(m[1]) * mult);
  }),
  regexMatch: f(['string', 'string'], (re: string, s: string) => {
    try {
      return goRegex(re).test(s);
    } catch {
      return false;
    }
  }),
  regexFind: f(['string', 'string'], (re: string, s: string) => goRegex(re).exec(s)?.[0] ?? ''),
  regexFindAll: f(['string', 'string', 'int'], (re: string, s: string, n: number) => {
    const all = [...s.matchAll(goRegex(re, true))].map((m) => m[0]);
    return n < 0 ? all : all.slice(0, n);
  }),
  regexReplaceAll: f(['string', 'string', 'string'], (re: string, s: string, repl: string) => {
    const grow = growth('regexReplaceAll', s.length);
    return s.replace(goRegex(re, true), (...args) => {
      const groupsObj = typeof args[args.length - 1] === 'object' ? args[args.length - 1] : undefined;
      const arr = args.slice(0, groupsObj ? -3 : -2) as string[];
      const m = Object.assign([...arr], { groups: groupsObj, index: 0, input: s }) as unknown as RegExpExecArray;
      return grow(arr[0], expandRepl(repl, m));
    });
  }),
  regexReplaceAllLiteral: f(['string', 'string', 'string'], (re: string, s: string, repl: string) => {
    const grow = growth('regexReplaceAllLiteral', s.length);
    return s.replace(goRegex(re, true), (match: string) => grow(match, repl));
  }),
  regexSplit: f(['string', 'string', 'int'], (re: string, s: string, n: number) => {
    const parts = s.split(goRegex(re, true));
    return n < 0 ? parts : parts.slice(0, n);
  }),
  semver: f(['string'], (v: string) => parseSemver(v)),
  semverCompare: f(['string', 'string'], (c: string, v: string) => semverSatisfies(c, v)),
  float64ToInt: f(['any'], (v: unknown) => Math.trunc(toNumber(v))),
};
