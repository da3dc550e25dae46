/** Deterministic random template generator for the differential and fuzz tests. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = [
  '.Run.ID',
  '.Run.Registry',
  '.Run.OS',
  '.Values.n',
  '.Values.f',
  '.Values.b',
  '.Values.no',
  '.Values.list',
  '.Values.nums',
  '.Values.m',
  '.Values.m.x',
  '.Values.empty',
  '.Values.zero',
  '.Values.ws',
  '.Values.csv',
  '.Values.ver',
  '.Values.missing',
  '.Values.mixed',
  '.Secrets.name',
];
const STRS = ['"a"', '"Hello World"', '"x,y,z"', '""', '"  sp  "', '"1.2.3"', '"abc"', '`raw`'];
const INTS = ['0', '1', '2', '3', '-1', '10'];

type Gen = (r: () => number, d: number) => string;
const pick = <T>(r: () => number, a: T[]): T => a[Math.floor(r() * a.length)];

const FUNCS: [string, Gen][] = [
  ['upper', (r, d) => `upper ${str(r, d)}`],
  ['lower', (r, d) => `lower ${str(r, d)}`],
  ['trim', (r, d) => `trim ${str(r, d)}`],
  ['trimPrefix', (r, d) => `trimPrefix ${str(r, d)} ${str(r, d)}`],
  ['replace', (r, d) => `replace "a" "b" ${str(r, d)}`],
  ['contains', (r, d) => `contains ${str(r, d)} ${str(r, d)}`],
  ['hasPrefix', (r, d) => `hasPrefix "a" ${str(r, d)}`],
  ['quote', (r, d) => `quote ${any(r, d)}`],
  ['squote', (r, d) => `squote ${any(r, d)}`],
  ['cat', (r, d) => `cat ${any(r, d)} ${any(r, d)}`],
  ['repeat', (r, d) => `repeat ${pick(r, ['0', '1', '2'])} ${str(r, d)}`],
  ['trunc', (r, d) => `trunc ${pick(r, INTS)} ${str(r, d)}`],
  ['splitList', (r, d) => `splitList "," ${str(r, d)}`],
  ['join', (r, d) => `join "-" ${any(r, d)}`],
  ['default', (r, d) => `default ${any(r, d)} ${any(r, d)}`],
  ['empty', (r, d) => `empty ${any(r, d)}`],
  ['coalesce', (r, d) => `coalesce ${any(r, d)} ${any(r, d)}`],
  ['ternary', (r, d) => `ternary ${any(r, d)} ${any(r, d)} ${pick(r, ['true', 'false', '.Values.b'])}`],
  ['list', (r, d) => `list ${any(r, d)} ${any(r, d)}`],
  ['dict', (r, d) => `dict "k" ${any(r, d)}`],
  ['toJson', (r, d) => `toJson ${any(r, d)}`],
  ['b64enc', (r, d) => `b64enc ${any(r, d)}`],
  ['sha256sum', (r, d) => `sha256sum ${str(r, d)}`],
  ['add', (r) => `add ${pick(r, INTS)} ${pick(r, INTS)}`],
  ['len', (r, d) => `len ${any(r, d)}`],
  ['eq', (r, d) => `eq ${any(r, d)} ${any(r, d)}`],
  ['ne', (r, d) => `ne ${any(r, d)} ${any(r, d)}`],
  ['lt', (r) => `lt ${pick(r, INTS)} ${pick(r, INTS)}`],
  ['not', (r, d) => `not ${any(r, d)}`],
  ['and', (r, d) => `and ${any(r, d)} ${any(r, d)}`],
  ['or', (r, d) => `or ${any(r, d)} ${any(r, d)}`],
  ['print', (r, d) => `print ${any(r, d)} ${any(r, d)}`],
  [
    'printf',
    (r, d) =>
      `printf ${pick(r, ['"%s"', '"%d"', '"%v"', '"%q"', '"%5s|"', '"%-4d|"', '"%x"', '"%t"', '"%05d"'])} ${any(r, d)}`,
  ],
  [
    'index',
    (r) => pick(r, ['index .Values.list 1', 'index .Values.m "x"', 'index .Values.nums 0', 'index .Values.list 9']),
  ],
  ['toString', (r, d) => `toString ${any(r, d)}`],
  ['int', (r, d) => `int ${any(r, d)}`],
  ['title', (r, d) => `title ${str(r, d)}`],
  ['first', (r) => `first ${pick(r, ['.Values.list', '.Values.nums', '(list 1 2)', '.Values.emptyList'])}`],
  ['html', (r, d) => `html ${any(r, d)}`],
  ['urlquery', (r, d) => `urlquery ${any(r, d)}`],
  ['indent', (r, d) => `indent 2 ${str(r, d)}`],
  ['substr', (r, d) => `substr 0 2 ${str(r, d)}`],
];

function str(r: () => number, d: number): string {
  const x = r();
  if (x < 0.4) return pick(r, STRS);
  if (x < 0.7 || d > 2) return pick(r, FIELDS);
  return `(${expr(r, d + 1)})`;
}

function any(r: () => number, d: number): string {
  const x = r();
  if (x < 0.25) return pick(r, STRS);
  if (x < 0.4) return pick(r, [...INTS, 'true', 'false', '1.5']);
  if (x < 0.8 || d > 2) return pick(r, FIELDS);
  return `(${expr(r, d + 1)})`;
}

function expr(r: () => number, d: number): string {
  const [, g] = pick(r, FUNCS);
  if (r() < 0.2) {
    const [name] = pick(
      r,
      FUNCS.filter(([n]) =>
        ['upper', 'lower', 'quote', 'toJson', 'len', 'b64enc', 'print', 'toString', 'trim'].includes(n),
      ),
    );
    return `${any(r, d)} | ${name}`;
  }
  return g(r, d);
}

function block(r: () => number, d: number): string {
  const x = r();
  if (d > 2 || x < 0.55) return `{{ ${expr(r, d)} }}`;
  if (x < 0.7) return `{{ if ${expr(r, d)} }}T${block(r, d + 1)}{{ else }}F{{ end }}`;
  if (x < 0.8)
    return `{{ range $i, $v := ${pick(r, ['.Values.list', '.Values.m', '.Values.nums', '.Values.emptyList', '.Values.missing'])} }}{{ $i }}:{{ $v }},${block(r, d + 1)}{{ else }}E{{ end }}`;
  if (x < 0.9) return `{{ with ${any(r, d)} }}W{{ . }}{{ end }}`;
  return `{{- $x := ${expr(r, d)} }}[{{ $x }}]`;
}

/** n templates built from Sprig/builtin calls over ACR-like data; some fail in both engines by design. */
export function generateTemplates(n: number, seed: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts = 1 + Math.floor(r() * 3);
    let t = '';
    for (let j = 0; j < parts; j++) t += (r() < 0.5 ? ' ' : '-') + block(r, 0);
    out.push(t);
  }
  return out;
}

/** Random byte soup with template-ish tokens, for the fuzz test. */
export function fuzzTemplate(r: () => number): string {
  const toks = [
    '{{',
    '}}',
    '{{-',
    '-}}',
    ' ',
    '.',
    '$',
    '$x',
    ':=',
    '=',
    '|',
    '(',
    ')',
    '"',
    '`',
    "'",
    'if',
    'else',
    'end',
    'range',
    'with',
    'define',
    'template',
    'block',
    'break',
    'continue',
    '"t"',
    '.Values',
    '.Run.ID',
    'upper',
    'printf',
    '"%d"',
    'len',
    'index',
    '1',
    '-1',
    '1.5',
    'nil',
    'true',
    'repeat',
    '9',
    'list',
    'dict',
    '/*',
    '*/',
    '\n',
    'x',
    'and',
    'or',
    'eq',
    'until',
    'default',
    'toJson',
    'slice',
    ',',
  ];
  let s = '';
  const len = 1 + Math.floor(r() * 30);
  for (let i = 0; i < len; i++) s += pick(r, toks) + (r() < 0.5 ? ' ' : '');
  return s;
}
