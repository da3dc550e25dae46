/** Validation of task-level secrets (ACR §1.5), with acb's error texts. */
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(s: string): boolean {
  return GUID.test(s);
}

/** Returns an error message for an invalid Key Vault secret URL, or null. */
export function keyVaultUrlError(u: string): string | null {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    return `invalid keyvault URL "${u}": not a valid URL`;
  }
  if (url.protocol !== 'https:') return `invalid keyvault URL "${u}": the scheme must be https`;
  const segs = url.pathname.split('/').filter(Boolean);
  if (segs[0] !== 'secrets' || segs.length < 2 || segs.length > 3) {
    return `invalid keyvault URL "${u}": the path must be /secrets/<name>[/<version>]`;
  }
  return null;
}

/** The AAD resource for a vault host: the vault label dropped (https://vault.azure.net for public cloud). */
export function keyVaultResource(u: string): string {
  const host = new URL(u).host;
  return `https://${host.split('.').slice(1).join('.')}`;
}

export interface SecretInput {
  id?: string;
  keyvault?: string;
  clientID?: string;
}

/** Returns acb's message for the first problem of one secret, or null. */
export function secretError(s: SecretInput, templated: boolean): string | null {
  if (!s.id) return 'secret is missing an ID';
  if (/\s/.test(s.id)) return 'secret ID cannot contain spaces';
  if (!s.keyvault) return 'secret is missing required keyvault property';
  if (!templated) {
    const e = keyVaultUrlError(s.keyvault);
    if (e) return e;
  }
  if (s.clientID && !isGuid(s.clientID)) return 'msi client ID is not a valid guid';
  return null;
}
