import { loadSession, signOut, type Session } from './session.js';

export const V = {
  resources: '2021-04-01',
  registries: '2023-07-01',
  tasks: '2019-06-01-preview',
  identities: '2023-01-31',
  rbac: '2022-04-01',
  vaults: '2023-07-01',
  secrets: '7.4',
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function session(): Session {
  const s = loadSession();
  if (!s) {
    signOut();
    location.hash = '#/signin';
    throw new ApiError(401, 'NotSignedIn', 'Please sign in.');
  }
  return s;
}

async function parse(res: Response): Promise<unknown> {
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const b = body as
      | {
          error?: { code?: string; message?: string } | string;
          error_description?: string;
          errors?: Array<{ code: string; message: string }>;
        }
      | undefined;
    const e = typeof b?.error === 'object' ? b.error : undefined;
    const oci = b?.errors?.[0];
    const code = e?.code ?? oci?.code ?? (typeof b?.error === 'string' ? b.error : `HTTP${res.status}`);
    const message = e?.message ?? oci?.message ?? b?.error_description ?? `${res.status} ${res.statusText}`;
    if (res.status === 401 && !oci) {
      signOut();
      location.hash = '#/signin';
    }
    throw new ApiError(res.status, code, message);
  }
  return body;
}

/** Calls the ARM API as the signed-in principal. */
export async function arm<T = any>(
  path: string,
  version: string,
  init: { method?: string; body?: unknown; query?: Record<string, string> } = {},
): Promise<T> {
  const s = session();
  const q = new URLSearchParams({ 'api-version': version, ...(init.query ?? {}) });
  const res = await fetch(`${path}?${q}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${s.armToken}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  return parse(res) as Promise<T>;
}

/** Plain authenticated GET of a Dockyard route (no api-version). */
export async function dockyard<T = any>(path: string): Promise<T> {
  const s = session();
  return parse(await fetch(path, { headers: { authorization: `Bearer ${s.armToken}` } })) as Promise<T>;
}

/** Authenticated POST of a Dockyard route with a JSON body. */
export async function dockyardPost<T = any>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const s = session();
  const res = await fetch(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.armToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  return parse(res) as Promise<T>;
}

/** Key Vault data plane with the vault-audience token. */
export async function vaultData<T = any>(
  vault: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  const s = session();
  const res = await fetch(`/keyvault/${encodeURIComponent(vault)}/secrets${path}?api-version=${V.secrets}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${s.vaultToken}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  return parse(res) as Promise<T>;
}

export function sub(): string {
  return `/subscriptions/${session().subscriptionId}`;
}

export function currentSession(): Session | null {
  return loadSession();
}

/** `{scope}` → action → allowed, from the server's Authorizer. */
export async function permissions(scope: string, actions?: string[]): Promise<Record<string, boolean>> {
  const q = new URLSearchParams({ scope, ...(actions ? { actions: actions.join(',') } : {}) });
  const r = await dockyard<{ allowed: Record<string, boolean> }>(`/dockyard/v1/permissions?${q}`);
  return r.allowed;
}
