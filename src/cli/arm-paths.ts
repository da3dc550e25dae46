import type { ApiClient } from './client.js';

export const API = {
  resources: '2022-09-01',
  registries: '2025-04-01',
  identities: '2023-01-31',
};

export async function rgPath(client: ApiClient, rg: string, sub?: string): Promise<string> {
  return `/subscriptions/${await client.subscriptionId(sub)}/resourcegroups/${encodeURIComponent(rg)}`;
}

/** Finds a registry by name across the subscription (az acr commands accept a name without -g). */
export async function findRegistry(
  client: ApiClient,
  name: string,
  rg?: string,
  sub?: string,
): Promise<Record<string, unknown>> {
  if (rg) {
    return client.request(
      `${await rgPath(client, rg, sub)}/providers/Microsoft.ContainerRegistry/registries/${encodeURIComponent(name)}`,
      { query: { 'api-version': API.registries } },
    );
  }
  const list = await client.request<{ value: Array<Record<string, unknown>> }>(
    `/subscriptions/${await client.subscriptionId(sub)}/providers/Microsoft.ContainerRegistry/registries`,
    {
      query: { 'api-version': API.registries },
    },
  );
  const found = list.value.find((r) => String(r.name).toLowerCase() === name.toLowerCase());
  if (!found) {
    const { CliError } = await import('./errors.js');
    throw new CliError(
      'ResourceNotFound',
      `The resource with name '${name}' and type 'Microsoft.ContainerRegistry/registries' could not be found in subscription '${await client.subscriptionId(sub)}'.`,
    );
  }
  return found;
}

export function registryPath(registry: Record<string, unknown>): string {
  return String(registry.id);
}
