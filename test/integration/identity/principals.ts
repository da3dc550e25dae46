import type { TestServer } from '../../helpers/server.js';

/** Creates a service principal through the API (as the admin) and returns its credentials. */
export async function createSp(
  s: TestServer,
  name = 'sp',
): Promise<{ appId: string; objectId: string; password: string }> {
  const r = await s.api('/dockyard/v1/servicePrincipals', { method: 'POST', body: { displayName: name } });
  if (r.status !== 201) throw new Error(`sp create failed: ${r.status} ${r.text}`);
  return r.json;
}

/** Client-credentials token (v2 endpoint) for a resource. */
export async function spToken(
  s: TestServer,
  sp: { appId: string; password: string },
  resource = 'https://management.azure.com/',
): Promise<string> {
  const res = await fetch(`${s.endpoint}/${s.platform.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sp.appId,
      client_secret: sp.password,
      scope: `${resource.replace(/\/$/, '')}/.default`,
    }).toString(),
  });
  const j = (await res.json()) as { access_token: string };
  if (res.status !== 200) throw new Error(`token failed: ${res.status} ${JSON.stringify(j)}`);
  return j.access_token;
}

const ROLE_IDS: Record<string, string> = {
  Owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  Contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  Reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  AcrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d',
  AcrPush: '8311e382-0749-4cb8-b61a-304f252e45ec',
};

/** Assigns a built-in role (as the admin) through the ARM API. */
export async function assign(
  s: TestServer,
  principalId: string,
  role: keyof typeof ROLE_IDS | string,
  scope: string,
): Promise<{ status: number; json: any }> {
  const id = ROLE_IDS[role] ?? role;
  return s.api(
    `${scope}/providers/Microsoft.Authorization/roleAssignments/${crypto.randomUUID()}?api-version=2022-04-01`,
    {
      method: 'PUT',
      body: {
        properties: {
          roleDefinitionId: `/subscriptions/${s.sub}/providers/Microsoft.Authorization/roleDefinitions/${id}`,
          principalId,
        },
      },
    },
  );
}
