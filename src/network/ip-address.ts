/**
 * IPv4 address and CIDR matching for registry firewall rules (ACR accepts IPv4 rules only). IPv6 clients never match
 * an IPv4 rule, except IPv4-mapped addresses (`::ffff:a.b.c.d`), which Node reports for dual-stack sockets.
 */

/** `a.b.c.d` (or `::ffff:a.b.c.d`) as an unsigned 32-bit number; undefined for anything else. */
export function ipv4ToNumber(address: string): number | undefined {
  const v = normalizeAddress(address);
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(v);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return undefined;
    n = n * 256 + o;
  }
  return n;
}

/** Strips the IPv4-mapped prefix and an IPv6 zone; lower-cases. */
export function normalizeAddress(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(a);
  if (mapped) return mapped[1];
  const zone = a.indexOf('%');
  return zone >= 0 ? a.slice(0, zone) : a;
}

export interface CidrRange {
  base: number;
  mask: number;
}

/** Parses `a.b.c.d` or `a.b.c.d/n`; undefined when invalid. */
export function parseCidr(value: string): CidrRange | undefined {
  const [addr, bits, ...rest] = value.trim().split('/');
  if (rest.length > 0) return undefined;
  const base = ipv4ToNumber(addr);
  if (base === undefined) return undefined;
  let prefix = 32;
  if (bits !== undefined) {
    if (!/^\d{1,2}$/.test(bits) || Number(bits) > 32) return undefined;
    prefix = Number(bits);
  }
  // Shifts are 32-bit signed in JS; compute the mask in floating point to stay unsigned.
  const mask = prefix === 0 ? 0 : (0xffffffff - (2 ** (32 - prefix) - 1)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

/** True when `address` is inside `range`. */
export function cidrContains(range: CidrRange, address: string): boolean {
  const n = ipv4ToNumber(address);
  if (n === undefined) return false;
  return (n & range.mask) >>> 0 === range.base;
}
