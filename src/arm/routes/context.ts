import type { FastifyRequest } from 'fastify';
import { DockyardError } from '../../shared/index.js';
import { authorizeRequest, requireApiVersion, type Authorizer } from '../../http/index.js';
import type { Subscriptions } from '../subscriptions.js';
import type { ResourceGroups } from '../resource-groups.js';
import type { Registries } from '../registries.js';
import type { UserAssignedIdentities } from '../identities.js';
import type { ResourceDeletedListener } from '../ports.js';

export interface ArmDeps {
  subscriptions: Subscriptions;
  groups: ResourceGroups;
  registries: Registries;
  identities: UserAssignedIdentities;
  authorizer: Authorizer;
  onResourceDeleted: ResourceDeletedListener[];
  /** Other modules' resources for `GET /subscriptions/{sub}/resources` (e.g. key vaults), with the read action to check. */
  resourceListers?: ResourceLister[];
}

export type ResourceLister = (subscriptionId: string) => Promise<
  Array<{
    readAction: string;
    item: { id: string; name: string; type: string; location: string; tags: Record<string, string> };
  }>
>;

export const API_VERSIONS = {
  // 2015-11-01: `az keyvault create` (2.45) reads the resource group with it.
  resources: [
    '2024-11-01',
    '2022-09-01',
    '2021-04-01',
    '2020-06-01',
    '2019-11-01',
    '2019-10-01',
    '2019-07-01',
    '2015-11-01',
  ],
  registries: [
    '2025-06-01-preview',
    '2025-04-01',
    '2024-11-01-preview',
    '2023-11-01-preview',
    '2023-07-01',
    '2023-01-01-preview',
    '2022-12-01',
    '2021-09-01',
    '2019-12-01-preview',
    '2019-05-01',
    '2019-06-01-preview',
    '2022-02-01-preview',
    '2021-08-01-preview',
  ],
  identities: ['2024-11-30', '2023-01-31', '2022-01-31-preview', '2018-11-30'],
} as const;

export async function authorize(request: FastifyRequest, deps: ArmDeps, action: string, scope: string) {
  return authorizeRequest(request, deps.authorizer, action, scope);
}

/** Parses a JSON request body as an object, with ARM's error for anything else. */
export function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const b = request.body;
  if (b === undefined || b === null || b === '') return {};
  if (typeof b !== 'object' || Array.isArray(b))
    throw new DockyardError(
      'InvalidRequestContent',
      'The request content was invalid and could not be deserialized: expected a JSON object.',
    );
  return b as Record<string, unknown>;
}

export function optionalObject(v: unknown, what: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw new DockyardError('InvalidRequestContent', `The request content was invalid: '${what}' must be an object.`);
  return v as Record<string, unknown>;
}

export function tagsOf(v: unknown): Record<string, string> | undefined {
  const o = optionalObject(v, 'tags');
  if (!o) return undefined;
  return Object.fromEntries(Object.entries(o).map(([k, val]) => [k, String(val)]));
}

export async function notifyDeleted(deps: ArmDeps, id: string): Promise<void> {
  for (const l of deps.onResourceDeleted) await l(id);
}

/** api-version check, then the subscription and resource group of an ARM path (`ResourceGroupNotFound` otherwise). */
export async function groupOf(
  req: FastifyRequest<{ Params: { sub: string; rg: string } }>,
  deps: ArmDeps,
  versions: readonly string[],
) {
  requireApiVersion(req, versions);
  const sub = (await deps.subscriptions.get(req.params.sub)).subscription_id;
  return { sub, group: await deps.groups.get(sub, req.params.rg) };
}
