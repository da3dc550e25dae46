import { DockyardError, registryBaseUrl } from '../../shared/index.js';
import type { CustomRegistryCredential, TaskIdentity } from '../resources/model.js';
import { AAD_REGISTRY_RESOURCE, NULL_GUID_USER, type RunnerDeps } from './ports.js';

export interface DockerCredential {
  username: string;
  password: string;
}

const form = (o: Record<string, string>) => new URLSearchParams(o).toString();

async function errorText(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const j = JSON.parse(text) as {
      errors?: Array<{ code: string; message: string }>;
      error?: string;
      error_description?: string;
    };
    if (j.errors?.length) return `${j.errors[0].code.toLowerCase()}: ${j.errors[0].message}`;
    if (j.error) return `${j.error}: ${j.error_description ?? ''}`.trim();
  } catch {
    /* plain text */
  }
  return `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 300)}` : ''}`;
}

/** ACR's token exchange over HTTP: an AAD access token becomes a registry refresh token (acr-reference.md §5.3). */
export async function exchangeAadToken(loginServer: string, aadToken: string, signal?: AbortSignal): Promise<string> {
  const res = await fetch(`${registryBaseUrl(loginServer)}/oauth2/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'azure/acr/tasks' },
    body: form({ grant_type: 'access_token', service: loginServer, access_token: aadToken }),
    signal,
  });
  if (!res.ok) throw new DockyardError('UNAUTHORIZED', await errorText(res));
  const j = (await res.json()) as { refresh_token?: string };
  if (!j.refresh_token)
    throw new DockyardError('UNAUTHORIZED', 'the registry answered the exchange without a refresh token');
  return j.refresh_token;
}

/** What `docker login` does: challenge `/v2/`, then fetch a token from the realm with the credentials. */
export async function verifyLogin(loginServer: string, cred: DockerCredential, signal?: AbortSignal): Promise<void> {
  const probe = await fetch(`${registryBaseUrl(loginServer)}/v2/`, { signal });
  if (probe.status === 200) return;
  if (probe.status !== 401) throw new DockyardError('DENIED', await errorText(probe));
  const challenge = probe.headers.get('www-authenticate') ?? '';
  const realm = /realm="([^"]+)"/.exec(challenge)?.[1];
  const service = /service="([^"]+)"/.exec(challenge)?.[1] ?? loginServer;
  if (!realm) throw new DockyardError('UNAUTHORIZED', `unexpected challenge from ${loginServer}: ${challenge}`);
  const url = new URL(realm);
  url.searchParams.set('service', service);
  const res = await fetch(url, {
    headers: { authorization: `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}` },
    signal,
  });
  if (!res.ok) throw new DockyardError('UNAUTHORIZED', await errorText(res));
}

/** The principal behind a credential's `identity`: `[system]` or a user-assigned identity's client id. */
export function principalForIdentity(identity: string, taskIdentity: TaskIdentity | null): string {
  if (identity.toLowerCase() === '[system]') {
    if (!taskIdentity?.principalId)
      throw new DockyardError(
        'InvalidParameter',
        'The credential uses the system-assigned identity, but the task has none. Run `acr task identity assign`.',
      );
    return taskIdentity.principalId;
  }
  const found = Object.values(taskIdentity?.userAssignedIdentities ?? {}).find(
    (u) => u.clientId.toLowerCase() === identity.toLowerCase(),
  );
  if (!found)
    throw new DockyardError(
      'InvalidParameter',
      `The credential uses identity '${identity}', which is not assigned to the task.`,
    );
  return found.principalId;
}

/** Resolves one custom-registry credential to docker login credentials (acr-reference.md §5.2). */
export async function resolveCredential(
  deps: RunnerDeps,
  loginServer: string,
  c: CustomRegistryCredential,
  secure: Record<string, string>,
  taskIdentity: TaskIdentity | null,
  signal?: AbortSignal,
): Promise<DockerCredential> {
  const vault = c.userName?.type === 'Vaultsecret' || c.password?.type === 'Vaultsecret';
  if (vault) {
    if (!c.identity)
      throw new DockyardError(
        'InvalidParameter',
        `Credentials for ${loginServer} reference Key Vault secrets but name no identity to read them.`,
      );
    const principal = principalForIdentity(c.identity, taskIdentity);
    const read = async (f: CustomRegistryCredential['userName'], key: string) =>
      f?.type === 'Vaultsecret' ? deps.readSecret(principal, String(f.value)) : (f?.value ?? secure[key] ?? '');
    return { username: await read(c.userName, ''), password: await read(c.password, `cred:${loginServer}:password`) };
  }
  if (c.userName) return { username: String(c.userName.value), password: secure[`cred:${loginServer}:password`] ?? '' };
  if (!c.identity)
    throw new DockyardError(
      'InvalidParameter',
      `Credentials for ${loginServer} have neither a username nor an identity.`,
    );
  const principal = principalForIdentity(c.identity, taskIdentity);
  const aad = await deps.identityToken(principal, AAD_REGISTRY_RESOURCE, 'tasks');
  const refresh = await exchangeAadToken(loginServer, aad, signal);
  return { username: NULL_GUID_USER, password: refresh };
}

/** Docker's config.json for step containers (shared `home` volume), with ACR's source header. */
export function dockerConfigJson(creds: Map<string, DockerCredential>): string {
  const auths: Record<string, { auth: string }> = {};
  for (const [server, c] of creds)
    auths[server] = { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  return JSON.stringify({ auths, HttpHeaders: { 'X-Meta-Source-Client': 'azure/acr/tasks' } }, null, 2);
}
