/** The signed-in principal's tokens (management + Key Vault audiences), kept in sessionStorage only. */
export interface Session {
  tenantId: string;
  subscriptionId: string;
  /** Who signed in: the local admin or a service principal's appId. */
  user: string;
  kind: 'admin' | 'servicePrincipal';
  armToken: string;
  vaultToken: string;
  expiresOn: number;
}

export const LOCAL_ADMIN_CLIENT_ID = '00000000-0000-0000-0000-00000000ad01';
export const MANAGEMENT = 'https://management.azure.com/';
export const VAULT = 'https://vault.azure.net';
const KEY = 'dockyard.session';

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    return s.expiresOn * 1000 > Date.now() + 30_000 ? s : null;
  } catch {
    return null;
  }
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

async function clientCredentials(
  tenantId: string,
  clientId: string,
  secret: string,
  resource: string,
): Promise<{ access_token: string; expires_on: string }> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: secret,
    resource,
  });
  const res = await fetch(`/${tenantId}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string;
    expires_on?: string;
    error_description?: string;
  };
  if (!res.ok || !body.access_token) throw new Error(body.error_description ?? `Sign-in failed (${res.status}).`);
  return body as { access_token: string; expires_on: string };
}

/** Signs in at the identity service's token endpoint: the local admin key, or a service principal's appId + secret. */
export async function signIn(kind: Session['kind'], clientId: string, secret: string): Promise<Session> {
  const info = (await (await fetch('/dockyard/v1/info')).json()) as { tenantId: string; subscriptionId: string };
  const id = kind === 'admin' ? LOCAL_ADMIN_CLIENT_ID : clientId.trim();
  const arm = await clientCredentials(info.tenantId, id, secret, MANAGEMENT);
  const vault = await clientCredentials(info.tenantId, id, secret, VAULT);
  type Me = { displayName?: string };
  const me: Me = await fetch(`/dockyard/v1/principals/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${arm.access_token}` },
  })
    .then((r): Promise<Me> | Me => (r.ok ? (r.json() as Promise<Me>) : {}))
    .catch((): Me => ({}));
  const s: Session = {
    tenantId: info.tenantId,
    subscriptionId: info.subscriptionId,
    user: me.displayName ?? (kind === 'admin' ? 'local admin' : id),
    kind,
    armToken: arm.access_token,
    vaultToken: vault.access_token,
    expiresOn: Math.min(Number(arm.expires_on), Number(vault.expires_on)),
  };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}
