/** Masterminds/semver basics: version parsing and constraint checks (=, !=, >, <, >=, <=, ~, ^, x-ranges, a - b, ||). */
export class SemverValue {
  constructor(
    readonly major: number,
    readonly minor: number,
    readonly patch: number,
    readonly prerelease: string,
    readonly metadata: string,
    readonly original: string,
  ) {}

  /** Template field/method access: .Major .Minor .Patch .Prerelease .Metadata .Original */
  goField(name: string): unknown {
    switch (name) {
      case 'Major':
        return this.major;
      case 'Minor':
        return this.minor;
      case 'Patch':
        return this.patch;
      case 'Prerelease':
        return this.prerelease;
      case 'Metadata':
        return this.metadata;
      case 'Original':
        return this.original;
      case 'String':
        return this.toString();
    }
    return undefined;
  }

  toString(): string {
    return `${this.major}.${this.minor}.${this.patch}${this.prerelease ? '-' + this.prerelease : ''}${this.metadata ? '+' + this.metadata : ''}`;
  }
}

const VERSION_RE =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

export function parseSemver(v: string): SemverValue {
  const m = VERSION_RE.exec(v);
  if (!m) throw new Error('Invalid Semantic Version');
  return new SemverValue(
    Number(m[1]),
    m[2] ? Number(m[2].slice(1)) : 0,
    m[3] ? Number(m[3].slice(1)) : 0,
    m[5] ?? '',
    m[8] ?? '',
    v,
  );
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (!a) return 1;
  if (!b) return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    const na = /^\d+$/.test(pa[i]);
    const nb = /^\d+$/.test(pb[i]);
    if (na && nb && Number(pa[i]) !== Number(pb[i])) return Number(pa[i]) < Number(pb[i]) ? -1 : 1;
    if (na !== nb) return na ? -1 : 1;
    if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

export function compareSemver(a: SemverValue, b: SemverValue): number {
  for (const k of ['major', 'minor', 'patch'] as const) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  return comparePre(a.prerelease, b.prerelease);
}

interface Partial {
  v: SemverValue;
  wild: 0 | 1 | 2 | 3;
} // wild = number of leading fixed parts

function parsePartial(s: string): Partial {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(s);
  if (!m) throw new Error(`improper constraint: ${s}`);
  const parts = [m[1], m[2], m[3]];
  let fixed = 0;
  while (fixed < 3 && parts[fixed] !== undefined && /^\d+$/.test(parts[fixed]!)) fixed++;
  const n = parts.map((p) => (p && /^\d+$/.test(p) ? Number(p) : 0));
  return { v: new SemverValue(n[0], n[1], n[2], m[4]?.slice(1) ?? '', '', s), wild: fixed as 0 | 1 | 2 | 3 };
}

function bump(p: Partial, level: number): SemverValue {
  const n = [p.v.major, p.v.minor, p.v.patch];
  n[level]++;
  for (let i = level + 1; i < 3; i++) n[i] = 0;
  return new SemverValue(n[0], n[1], n[2], '', '', '');
}

function checkOne(op: string, p: Partial, v: SemverValue): boolean {
  const cmp = compareSemver(v, p.v);
  const upper = p.wild === 0 ? null : p.wild < 3 ? bump(p, p.wild - 1) : null;
  switch (op) {
    case '':
    case '=':
      if (p.wild === 0) return true;
      return cmp >= 0 && (upper ? compareSemver(v, upper) < 0 : cmp === 0);
    case '!=':
      return !checkOne('=', p, v);
    case '>':
      return p.wild < 3 && p.wild > 0 ? compareSemver(v, upper!) >= 0 : cmp > 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<':
      return cmp < 0;
    case '<=':
    case '=<':
      return upper ? compareSemver(v, upper) < 0 : cmp <= 0;
    case '~':
    case '~>':
      return cmp >= 0 && compareSemver(v, bump(p, p.wild >= 2 ? 1 : 0)) < 0;
    case '^': {
      const level = p.v.major > 0 || p.wild <= 1 ? 0 : p.v.minor > 0 || p.wild === 2 ? 1 : 2;
      return cmp >= 0 && compareSemver(v, bump(p, level)) < 0;
    }
  }
  throw new Error(`improper constraint: ${op}`);
}

/** semverCompare(constraint, version) */
export function semverSatisfies(constraint: string, version: string): boolean {
  const v = parseSemver(version);
  return constraint.split('||').some((group) => {
    const g = group.trim().replace(/\s+-\s+/g, ' - ');
    const hy = /^(\S+) - (\S+)$/.exec(g);
    const terms: [string, string][] = hy
      ? [
          ['>=', hy[1]],
          ['<=', hy[2]],
        ]
      : g
          .split(/[\s,]+/)
          .filter(Boolean)
          .reduce<[string, string][]>((acc, t) => {
            const m = /^(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)?\s*(.*)$/.exec(t)!;
            if (m[2] === '' && m[1]) acc.push([m[1], '']);
            else if (acc.length && acc[acc.length - 1][1] === '') acc[acc.length - 1][1] = m[2];
            else acc.push([m[1] ?? '', m[2]]);
            return acc;
          }, []);
    if (terms.length === 0) throw new Error(`improper constraint: ${constraint}`);
    const parsed = terms.map(([op, s]) => [op, parsePartial(s)] as const);
    if (v.prerelease && !parsed.some(([, p]) => p.v.prerelease)) return false;
    return parsed.every(([op, p]) => checkOne(op, p, v));
  });
}
