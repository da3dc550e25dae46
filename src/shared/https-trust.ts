import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { rootCertificates } from 'node:tls';

/**
 * Makes this process's `fetch` trust Dockyard's local CA (next to the public roots) and, for host names under the
 * login-server suffix, connect to `address` without asking DNS (so the server reaches its own `<name>.<suffix>`
 * login servers even before hosts entries exist). undici is the library behind Node's own fetch; its global
 * dispatcher is the one fetch uses.
 */
export async function trustLocalCa(ca: string, suffix?: string, address = '127.0.0.1'): Promise<void> {
  const { Agent, setGlobalDispatcher } = await import('undici');
  const dot = suffix ? `.${suffix.toLowerCase()}` : undefined;
  const lookup = (
    hostname: string,
    options: object,
    cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    const h = hostname.toLowerCase();
    if (dot && (h.endsWith(dot) || h === dot.slice(1))) {
      if ((options as { all?: boolean }).all) cb(null, [{ address, family: 4 }]);
      else cb(null, address, 4);
      return;
    }
    dnsLookup(hostname, options, cb as never);
  };
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, ca], lookup: lookup as never } }));
}
