import type { DockyardConfig } from '../config/index.js';
import { trustLocalCa, type Logger } from '../shared/index.js';
import { configureVaultDns } from '../vault/index.js';
import { ensureServerCertificate, serverNames } from '../tls/index.js';
import { NamedLoginServers } from './named-login-servers.js';
import { hostsTag, syncHostsFile } from './hosts-file.js';
import { syncDockerTrust } from './engine-trust.js';
import { readFileSync } from 'node:fs';
import { BLOB_ACCOUNT } from '../tasks/index.js';

export interface NamesWiring {
  front: NamedLoginServers;
  /** PEM of the CA clients must trust (the local CA, or the operator's certificate chain). */
  ca: string;
  /** Re-syncs hosts entries (registries and vaults) and the engine's trust; called when either changes. */
  sync(registries: string[], vaults: string[]): Promise<void>;
  /** On stop: removes every hosts entry (the blob host's too) and the engine's trust. */
  release(): Promise<void>;
}

/**
 * Login servers by name over TLS: the shared https listener, its certificate (the operator's, or the local CA's,
 * renewed before expiry), hosts entries with `--manage-hosts`, and trust for the private dockerd.
 */
export async function wireNames(
  config: DockyardConfig & { loginServerSuffix: string },
  log: Logger,
): Promise<NamesWiring> {
  const suffix = config.loginServerSuffix;
  let ca: string;
  let tls: { cert: string; key: string };
  const names = serverNames(suffix, [config.host === '0.0.0.0' ? '127.0.0.1' : config.host]);
  if (config.tlsCert && config.tlsKey) {
    tls = { cert: readFileSync(config.tlsCert, 'utf8'), key: readFileSync(config.tlsKey, 'utf8') };
    ca = tls.cert;
  } else {
    const c = await ensureServerCertificate(config.dataDir, names);
    tls = { cert: c.cert, key: c.key };
    ca = c.ca;
  }
  let registries: string[] = [];
  let vaults: string[] = [];
  let trusted: string[] = [];
  let released = false;
  const tag = hostsTag(config.dataDir);
  const front = new NamedLoginServers({
    suffix,
    host: config.host,
    port: config.tlsPort,
    log,
    onNamesChanged: async (regs) => sync(regs, vaults),
  });
  const sync = async (regs: string[], vs: string[]): Promise<void> => {
    registries = regs;
    vaults = vs;
    const loginServers = registries.map((r) => front.loginServerOf(r));
    if (config.manageHosts) {
      const hosts = [
        ...loginServers,
        ...vaults.map((v) => `${v}.vault.${suffix}`),
        ...(released ? [] : [`${BLOB_ACCOUNT}.blob.${suffix}`]),
      ].map((h) => h.replace(/:\d+$/, ''));
      await syncHostsFile(config.hostsFile, tag, hosts).catch((err: Error) =>
        log.warn({ err: err.message, file: config.hostsFile }, 'could not update the hosts file'),
      );
    }
    if (config.engine === 'docker') {
      await syncDockerTrust(ca, loginServers, trusted, config.dataDir).catch((err: Error) =>
        log.warn({ err: err.message }, 'could not install the CA for the private dockerd'),
      );
      trusted = loginServers;
    }
  };
  await front.listen(tls);
  await trustLocalCa(ca, suffix, config.host === '0.0.0.0' ? '127.0.0.1' : config.host);
  configureVaultDns(suffix, front.port);
  if (!config.tlsCert) {
    // Renew the local CA's server certificate before it lapses, without a restart.
    const timer = setInterval(() => {
      ensureServerCertificate(config.dataDir, names)
        .then((c) => c.renewed && front.setCertificate({ cert: c.cert, key: c.key }))
        .catch((err: Error) => log.error({ err }, 'certificate renewal failed'));
    }, 12 * 3600_000);
    timer.unref();
  }
  return {
    front,
    ca,
    sync: (regs, vs) => sync(regs, vs),
    release: () => {
      released = true;
      return sync([], []);
    },
  };
}
