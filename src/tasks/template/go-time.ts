/** Go time layouts ("2006-01-02 15:04:05") for formatting and parsing, always in UTC. */
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

// Longest tokens first, in the priority of Go's nextStdChunk.
const TOKENS = [
  'January',
  'Monday',
  '2006',
  '-07:00:00',
  '-0700',
  '-07:00',
  'Z07:00:00',
  'Z0700',
  'Z07:00',
  'Jan',
  'Mon',
  'MST',
  '002',
  '__2',
  '.000000000',
  '.999999999',
  '.000000',
  '.999999',
  '.000',
  '.999',
  ',000',
  ',999',
  '01',
  '02',
  '03',
  '04',
  '05',
  '06',
  '15',
  '-07',
  'Z07',
  '_2',
  'PM',
  'pm',
  '1',
  '2',
  '3',
  '4',
  '5',
];

export function tokenizeLayout(layout: string): string[] {
  const out: string[] = [];
  let lit = '';
  for (let i = 0; i < layout.length; ) {
    const tok = TOKENS.find((t) => layout.startsWith(t, i) && validAt(layout, i, t));
    if (tok) {
      if (lit) out.push('\0' + lit);
      lit = '';
      out.push(tok);
      i += tok.length;
    } else {
      lit += layout[i++];
    }
  }
  if (lit) out.push('\0' + lit);
  return out;
}

function validAt(layout: string, i: number, t: string): boolean {
  // "Jan"/"Mon" followed by a lower-case letter are words, not tokens (e.g. "Monday" handled first, "Month" is text).
  if ((t === 'Jan' || t === 'Mon') && /[a-z]/.test(layout[i + t.length] ?? '')) return false;
  if (
    (t === '.000' || t === '.999' || t.startsWith('.0') || t.startsWith('.9') || t.startsWith(',')) &&
    /[0-9]/.test(layout[i + t.length] ?? '')
  )
    return false;
  return true;
}

const p2 = (n: number): string => String(n).padStart(2, '0');

export function formatGoTime(d: Date, layout: string): string {
  const Y = d.getUTCFullYear();
  const M = d.getUTCMonth();
  const D = d.getUTCDate();
  const h = d.getUTCHours();
  const m = d.getUTCMinutes();
  const s = d.getUTCSeconds();
  const ms = d.getUTCMilliseconds();
  const yday = Math.floor((Date.UTC(Y, M, D) - Date.UTC(Y, 0, 1)) / 86400000) + 1;
  return tokenizeLayout(layout)
    .map((t) => {
      if (t[0] === '\0') return t.slice(1);
      switch (t) {
        case '2006':
          return String(Y).padStart(4, '0');
        case '06':
          return p2(Y % 100);
        case 'January':
          return MONTHS[M];
        case 'Jan':
          return MONTHS[M].slice(0, 3);
        case '01':
          return p2(M + 1);
        case '1':
          return String(M + 1);
        case 'Monday':
          return DAYS[d.getUTCDay()];
        case 'Mon':
          return DAYS[d.getUTCDay()].slice(0, 3);
        case '02':
          return p2(D);
        case '_2':
          return String(D).padStart(2, ' ');
        case '2':
          return String(D);
        case '002':
          return String(yday).padStart(3, '0');
        case '__2':
          return String(yday).padStart(3, ' ');
        case '15':
          return p2(h);
        case '03':
          return p2(h % 12 === 0 ? 12 : h % 12);
        case '3':
          return String(h % 12 === 0 ? 12 : h % 12);
        case '04':
          return p2(m);
        case '4':
          return String(m);
        case '05':
          return p2(s);
        case '5':
          return String(s);
        case 'PM':
          return h >= 12 ? 'PM' : 'AM';
        case 'pm':
          return h >= 12 ? 'pm' : 'am';
        case 'MST':
          return 'UTC';
        case 'Z07:00':
        case 'Z0700':
        case 'Z07':
        case 'Z07:00:00':
          return 'Z';
        case '-07:00':
          return '+00:00';
        case '-0700':
          return '+0000';
        case '-07':
          return '+00';
        case '-07:00:00':
          return '+00:00:00';
        default: {
          const sep = t[0] === ',' ? ',' : '.';
          const digits = t.length - 1;
          const frac = String(ms).padStart(3, '0').padEnd(9, '0').slice(0, digits);
          if (t[1] === '0') return sep + frac;
          const trimmed = frac.replace(/0+$/, '');
          return trimmed ? sep + trimmed : '';
        }
      }
    })
    .join('');
}

/** time.Parse for the common layouts; returns null when the value does not match. */
export function parseGoTime(layout: string, value: string): Date | null {
  let re = '^';
  const fields: string[] = [];
  for (const t of tokenizeLayout(layout)) {
    if (t[0] === '\0') {
      re += t.slice(1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    fields.push(t);
    const pat: Record<string, string> = {
      '2006': '(\\d{4})',
      '06': '(\\d{2})',
      January: `(${MONTHS.join('|')})`,
      Jan: `(${MONTHS.map((x) => x.slice(0, 3)).join('|')})`,
      '01': '(\\d{2})',
      '1': '(\\d{1,2})',
      Monday: `(?:${DAYS.join('|')})`,
      Mon: `(?:${DAYS.map((x) => x.slice(0, 3)).join('|')})`,
      '02': '(\\d{2})',
      _2: '( ?\\d{1,2})',
      '2': '(\\d{1,2})',
      '15': '(\\d{2})',
      '03': '(\\d{2})',
      '3': '(\\d{1,2})',
      '04': '(\\d{2})',
      '4': '(\\d{1,2})',
      '05': '(\\d{2})',
      '5': '(\\d{1,2})',
      PM: '(AM|PM)',
      pm: '(am|pm)',
      MST: '([A-Z]{3,4})',
      'Z07:00': '(Z|[+-]\\d{2}:\\d{2})',
      Z0700: '(Z|[+-]\\d{4})',
      '-07:00': '([+-]\\d{2}:\\d{2})',
      '-0700': '([+-]\\d{4})',
    };
    re += pat[t] ?? '([.,]\\d+)?';
  }
  const m = new RegExp(re + '$').exec(value);
  if (!m) return null;
  let Y = 0,
    M = 1,
    D = 1,
    h = 0,
    mi = 0,
    s = 0,
    ms = 0,
    pm: boolean | null = null,
    off = 0;
  fields.forEach((t, i) => {
    const v = m[i + 1];
    if (v === undefined) return;
    if (t === '2006') Y = Number(v);
    else if (t === '06') Y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
    else if (t === 'January' || t === 'Jan') M = MONTHS.findIndex((x) => x.startsWith(v)) + 1;
    else if (t === '01' || t === '1') M = Number(v);
    else if (t === '02' || t === '_2' || t === '2') D = Number(v.trim());
    else if (t === '15' || t === '03' || t === '3') h = Number(v);
    else if (t === '04' || t === '4') mi = Number(v);
    else if (t === '05' || t === '5') s = Number(v);
    else if (t === 'PM' || t === 'pm') pm = v.toUpperCase() === 'PM';
    else if (t.startsWith('Z') || t.startsWith('-')) {
      if (v !== 'Z') {
        const n = v.replace(':', '');
        off = (n[0] === '-' ? -1 : 1) * (Number(n.slice(1, 3)) * 60 + Number(n.slice(3, 5)));
      }
    } else if (/^[.,]/.test(v)) ms = Math.round(Number('0.' + v.slice(1)) * 1000);
  });
  if (pm !== null) h = (h % 12) + (pm ? 12 : 0);
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || s > 59) return null;
  return new Date(Date.UTC(Y, M - 1, D, h, mi, s, ms) - off * 60000);
}
