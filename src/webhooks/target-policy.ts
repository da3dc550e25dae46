import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { DockyardError } from '../shared/index.js';

export interface ResolvedTarget {
  url: URL;
  /** The checked address the delivery connects to (pinned, so a DNS answer cannot change between check and connect). */
  address: string;
  family: 4 | 6;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Never reached through a listed *name* (cloud metadata, link-local, unspecified) unless the address itself is listed. */
const NEVER_BY_NAME = new BlockList();
NEVER_BY_NAME.addSubnet('169.254.0.0', 16, 'ipv4');
NEVER_BY_NAME.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER_BY_NAME.addSubnet('fe80::', 10, 'ipv6');
NEVER_BY_NAME.addAddress('::', 'ipv6');

/** Strips brackets and the IPv4-mapped prefix (`::ffff:10.0.0.1` is 10.0.0.1). */
function normalizeAddress(a: string): string {
  const s = a.replace(/^\[|\]$/g, '');
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  return m ? m[1] : s;
}

const familyOf = (a: string): 'ipv4' | 'ipv6' => (isIP(a) === 6 ? 'ipv6' : 'ipv4');

/**
 * Where webhooks may post: loopback always, plus the operator's `webhookAllowedHosts` entries — host names (exact,
 * or `*.example.com`), IP addresses and CIDR ranges. A webhook cannot be pointed at the rest of the network to probe it.
 * Checked at create/update (from the URI alone, no traffic) and again at each delivery on the resolved address.
 */
export class TargetPolicy {
  private readonly names: string[] = [];
  private readonly wildcards: string[] = [];
  private readonly addresses = new BlockList();

  constructor(allowed: readonly string[]) {
    for (const raw of allowed) {
      const e = raw.trim().toLowerCase();
      if (!e) continue;
      const cidr = /^(.+)\/(\d{1,3})$/.exec(e);
      if (cidr && isIP(normalizeAddress(cidr[1])))
        this.addresses.addSubnet(normalizeAddress(cidr[1]), Number(cidr[2]), familyOf(normalizeAddress(cidr[1])));
      else if (isIP(normalizeAddress(e))) this.addresses.addAddress(normalizeAddress(e), familyOf(normalizeAddress(e)));
      else if (e.startsWith('*.')) this.wildcards.push(e.slice(1));
      else this.names.push(e);
    }
  }

  private refuse(host: string, why: string): never {
    throw new DockyardError(
      'WebhookTargetNotAllowed',
      `The webhook service URI host '${host}' is not allowed (${why}): webhooks may only post to loopback addresses and the hosts listed in the webhookAllowedHosts setting.`,
    );
  }

  private addressAllowed(address: string): boolean {
    const a = normalizeAddress(address);
    const fam = familyOf(a);
    return LOOPBACK.check(a, fam) || this.addresses.check(a, fam);
  }

  private nameListed(host: string): boolean {
    return this.names.includes(host) || this.wildcards.some((w) => host.endsWith(w) && host.length > w.length);
  }

  /** Create/update-time check: parses the URI and checks its host without any network traffic. */
  checkUri(uri: string): URL {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new DockyardError('InvalidParameter', `The webhook service URI '${uri}' is not a valid absolute URI.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new DockyardError('InvalidParameter', 'The webhook service URI must use http or https.');
    if (url.username || url.password)
      throw new DockyardError(
        'InvalidParameter',
        'The webhook service URI must not carry credentials; use custom headers.',
      );
    const host = normalizeAddress(url.hostname.toLowerCase());
    if (isIP(host)) {
      if (!this.addressAllowed(host)) this.refuse(host, 'address not in the allow-list');
    } else if (host !== 'localhost' && !this.nameListed(host)) {
      this.refuse(host, 'host name not in the allow-list');
    }
    return url;
  }

  /** Delivery-time check: resolves the host and checks every address it resolves to; returns the one to connect to. */
  async resolve(uri: string): Promise<ResolvedTarget> {
    const url = this.checkUri(uri);
    const host = normalizeAddress(url.hostname.toLowerCase());
    const answers = isIP(host)
      ? [{ address: host, family: isIP(host) }]
      : await lookup(host, { all: true, verbatim: true });
    this.checkResolved(
      host,
      answers.map((a) => a.address),
    );
    return { url, address: answers[0].address, family: answers[0].family === 6 ? 6 : 4 };
  }

  /**
   * The delivery-time rule on what a host resolved to: a listed name may point anywhere except link-local/metadata and
   * unspecified addresses (unless listed themselves); anything else (including `localhost`) only to allowed addresses.
   */
  checkResolved(host: string, addresses: string[]): void {
    if (addresses.length === 0) this.refuse(host, 'it does not resolve');
    const listed = !isIP(host) && this.nameListed(host);
    for (const raw of addresses) {
      const a = normalizeAddress(raw);
      if (this.addressAllowed(a)) continue;
      if (!listed || NEVER_BY_NAME.check(a, familyOf(a))) this.refuse(host, `it resolves to ${a}`);
    }
  }
}
