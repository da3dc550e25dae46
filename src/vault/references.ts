import { DockyardError } from '../shared/index.js';

/** The public DNS suffix of Key Vault: `https://<vault>.vault.azure.net/...` references resolve to local vaults. */
export const VAULT_DNS_SUFFIX = '.vault.azure.net';

let customVaultDns: string | undefined;

/**
 * Login servers by name: vaults are also `https://<vault>.vault.<suffix>[:port]/` (what `vaultUri` then returns).
 * References to `<vault>.vault.azure.net` keep resolving to the same local vaults.
 */
export function configureVaultDns(suffix: string | undefined, port?: number): void {
  customVaultDns = suffix ? `.vault.${suffix.toLowerCase()}${port && port !== 443 ? `:${port}` : ''}` : undefined;
}

const vaultOfHost = (host: string): string | undefined => {
  const h = host.toLowerCase();
  if (h.endsWith(VAULT_DNS_SUFFIX)) return h.slice(0, -VAULT_DNS_SUFFIX.length).split('.')[0];
  if (customVaultDns && h.endsWith(customVaultDns)) return h.slice(0, -customVaultDns.length).split('.')[0];
  return undefined;
};

export interface SecretReference {
  vault: string;
  name: string;
  version?: string;
}

/**
 * Parses a secret identifier: `https://<vault>.vault.azure.net/secrets/<name>[/<version>]` (what task files and
 * `secret show --id` use), or Dockyard's own data-plane URL `<endpoint>/keyvault/<vault>/secrets/<name>[/<version>]`.
 */
export function resolveSecretReference(url: string): SecretReference {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DockyardError('BadParameter', `Invalid secret identifier '${url}'.`);
  }
  const parts = u.pathname.split('/').filter(Boolean);
  let vault: string | undefined;
  vault = vaultOfHost(u.hostname) ?? vaultOfHost(u.host);
  if (vault) {
    /* a vault host */
  } else if (parts[0]?.toLowerCase() === 'keyvault' && parts[1]) vault = parts.splice(0, 2)[1];
  if (!vault || parts[0]?.toLowerCase() !== 'secrets' || !parts[1] || parts.length > 3) {
    throw new DockyardError(
      'BadParameter',
      `Invalid secret identifier '${url}': expected https://<vault>${VAULT_DNS_SUFFIX}/secrets/<name>[/<version>].`,
    );
  }
  return { vault: vault.toLowerCase(), name: parts[1], ...(parts[2] ? { version: parts[2] } : {}) };
}

/** `https://<vault>.vault.azure.net/` */
export const vaultUri = (name: string): string => `https://${name.toLowerCase()}${customVaultDns ?? VAULT_DNS_SUFFIX}/`;
export const secretId = (vault: string, name: string, version?: string): string =>
  `${vaultUri(vault)}secrets/${name}${version ? `/${version}` : ''}`;
