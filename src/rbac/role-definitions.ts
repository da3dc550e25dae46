/** A role definition (built-in roles carry their real Azure ids). */
export interface RoleDefinition {
  /** The role's GUID (`name` in ARM). */
  id: string;
  roleName: string;
  description: string;
  roleType: 'BuiltInRole' | 'CustomRole';
  permissions: Array<{ actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }>;
  assignableScopes: string[];
}

const perm = (
  actions: string[],
  dataActions: string[] = [],
  notActions: string[] = [],
  notDataActions: string[] = [],
) => [{ actions, notActions, dataActions, notDataActions }];
const builtIn = (
  id: string,
  roleName: string,
  description: string,
  permissions: RoleDefinition['permissions'],
): RoleDefinition => ({
  id,
  roleName,
  description,
  roleType: 'BuiltInRole',
  permissions,
  assignableScopes: ['/'],
});

const ACR = 'Microsoft.ContainerRegistry/registries';
const KV_CONTROL_READ = [
  'Microsoft.Authorization/*/read',
  'Microsoft.Insights/alertRules/*',
  'Microsoft.Resources/deployments/*',
  'Microsoft.Resources/subscriptions/resourceGroups/read',
  'Microsoft.Support/*',
  'Microsoft.KeyVault/checkNameAvailability/read',
  'Microsoft.KeyVault/deletedVaults/read',
  'Microsoft.KeyVault/locations/*/read',
  'Microsoft.KeyVault/vaults/*/read',
  'Microsoft.KeyVault/operations/read',
];

/** Azure's built-in roles relevant to Dockyard (ids and permissions as published; acr-reference.md §6). */
export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  builtIn(
    '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
    'Owner',
    'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.',
    perm(['*']),
  ),
  builtIn(
    'b24988ac-6180-42a0-ab88-20f7382dd24c',
    'Contributor',
    'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC.',
    perm(
      ['*'],
      [],
      [
        'Microsoft.Authorization/*/Delete',
        'Microsoft.Authorization/*/Write',
        'Microsoft.Authorization/elevateAccess/Action',
      ],
    ),
  ),
  builtIn(
    'acdd72a7-3385-48ef-bd42-f606fba81ae7',
    'Reader',
    'View all resources, but does not allow you to make any changes.',
    perm(['*/read']),
  ),
  builtIn(
    '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
    'User Access Administrator',
    'Lets you manage user access to Azure resources.',
    perm(['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*']),
  ),
  builtIn(
    'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
    'Role Based Access Control Administrator',
    'Manage access to Azure resources by assigning roles using Azure RBAC.',
    perm([
      'Microsoft.Authorization/roleAssignments/write',
      'Microsoft.Authorization/roleAssignments/delete',
      '*/read',
      'Microsoft.Support/*',
    ]),
  ),
  builtIn('7f951dda-4ed3-4680-a7ca-43fe172d538d', 'AcrPull', 'acr pull', perm([`${ACR}/pull/read`])),
  builtIn(
    '8311e382-0749-4cb8-b61a-304f252e45ec',
    'AcrPush',
    'acr push',
    perm([`${ACR}/pull/read`, `${ACR}/push/write`]),
  ),
  builtIn('c2f4ef07-c644-48eb-af81-4b1b4947fb11', 'AcrDelete', 'acr delete', perm([`${ACR}/artifacts/delete`])),
  builtIn(
    '6cef56e8-d556-48e5-a04f-b8e64114680f',
    'AcrImageSigner',
    'acr image signer',
    perm([`${ACR}/sign/write`], [`${ACR}/trustedCollections/write`]),
  ),
  builtIn(
    'cdda3590-29a3-44f6-95f2-9f980659eb04',
    'AcrQuarantineReader',
    'acr quarantine data reader',
    perm([`${ACR}/quarantine/read`], [`${ACR}/quarantinedArtifacts/read`]),
  ),
  builtIn(
    'c8d4ff99-41c3-41a8-9f60-21dfdad59608',
    'AcrQuarantineWriter',
    'acr quarantine data writer',
    perm(
      [`${ACR}/quarantine/read`, `${ACR}/quarantine/write`],
      [`${ACR}/quarantinedArtifacts/read`, `${ACR}/quarantinedArtifacts/write`],
    ),
  ),
  builtIn(
    'b93aa761-3e63-49ed-ac28-beffa264f7ac',
    'Container Registry Repository Reader',
    'Read images, tags and metadata of repositories (ABAC-enabled registries).',
    perm([], [`${ACR}/repositories/content/read`, `${ACR}/repositories/metadata/read`]),
  ),
  builtIn(
    '2a1e307c-b015-4ebd-883e-5b7698a07328',
    'Container Registry Repository Writer',
    'Read, write and update images, tags and metadata of repositories (ABAC-enabled registries).',
    perm(
      [],
      [
        `${ACR}/repositories/content/read`,
        `${ACR}/repositories/metadata/read`,
        `${ACR}/repositories/content/write`,
        `${ACR}/repositories/metadata/write`,
      ],
    ),
  ),
  builtIn(
    '2efddaa5-3f1f-4df3-97df-af3f13818f4c',
    'Container Registry Repository Contributor',
    'Read, write and delete images, tags and metadata of repositories (ABAC-enabled registries).',
    perm([], [`${ACR}/repositories/content/*`, `${ACR}/repositories/metadata/*`]),
  ),
  builtIn(
    'bfdb9389-c9a5-478a-bb2f-ba9ca092c3c7',
    'Container Registry Repository Catalog Lister',
    'List all repositories in a registry.',
    perm([], [`${ACR}/catalog/read`]),
  ),
  builtIn(
    'fb382eab-e894-4461-af04-94435c366c3f',
    'Container Registry Tasks Contributor',
    'Manage ACR tasks, runs, agent pools, quick builds and quick runs, and view run logs.',
    perm([
      `${ACR}/read`,
      `${ACR}/tasks/*`,
      `${ACR}/runs/*`,
      `${ACR}/taskRuns/*`,
      `${ACR}/agentPools/*`,
      `${ACR}/scheduleRun/action`,
      `${ACR}/listBuildSourceUploadUrl/action`,
      'Microsoft.Resources/subscriptions/resourceGroups/read',
    ]),
  ),
  builtIn(
    '3bc748fc-213d-45c1-8d91-9da5725539b9',
    'Container Registry Contributor and Data Access Configuration Administrator',
    'Manage registries and their configuration, without data-plane access or role assignments.',
    perm([
      `${ACR}/read`,
      `${ACR}/write`,
      `${ACR}/delete`,
      `${ACR}/listCredentials/action`,
      `${ACR}/regenerateCredential/action`,
      'Microsoft.Authorization/*/read',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
    ]),
  ),
  builtIn(
    'f1a07417-d97a-45cb-824c-7a7467783830',
    'Managed Identity Operator',
    'Read and Assign User Assigned Identity',
    perm([
      'Microsoft.ManagedIdentity/userAssignedIdentities/*/read',
      'Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action',
      'Microsoft.Authorization/*/read',
      'Microsoft.Insights/alertRules/*',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
      'Microsoft.Resources/deployments/*',
      'Microsoft.Support/*',
    ]),
  ),
  builtIn(
    'e40ec5ca-96e0-45a2-b4ff-59039f2c2b59',
    'Managed Identity Contributor',
    'Create, Read, Update, and Delete User Assigned Identity',
    perm([
      'Microsoft.ManagedIdentity/userAssignedIdentities/read',
      'Microsoft.ManagedIdentity/userAssignedIdentities/write',
      'Microsoft.ManagedIdentity/userAssignedIdentities/delete',
      'Microsoft.Authorization/*/read',
      'Microsoft.Resources/subscriptions/resourceGroups/read',
    ]),
  ),
  builtIn(
    '00482a5a-887f-4fb3-b363-3b7fe8e74483',
    'Key Vault Administrator',
    'Perform all data plane operations on a key vault and all objects in it.',
    perm(KV_CONTROL_READ, ['Microsoft.KeyVault/vaults/*']),
  ),
  builtIn(
    '21090545-7ca7-4776-b22c-e363652d74d2',
    'Key Vault Reader',
    'Read metadata of key vaults and its certificates, keys, and secrets.',
    perm(KV_CONTROL_READ, [
      'Microsoft.KeyVault/vaults/*/read',
      'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
    ]),
  ),
  builtIn(
    'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
    'Key Vault Secrets Officer',
    'Perform any action on the secrets of a key vault, except manage permissions.',
    perm(KV_CONTROL_READ, ['Microsoft.KeyVault/vaults/secrets/*']),
  ),
  builtIn(
    '4633458b-17de-408a-b874-0445c86b69e6',
    'Key Vault Secrets User',
    'Read secret contents.',
    perm(
      [],
      ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'],
    ),
  ),
  builtIn(
    'f25e0fa2-a7c8-4377-a976-54943a77a395',
    'Key Vault Contributor',
    'Manage key vaults, but does not allow you to assign roles in Azure RBAC, and does not allow you to access secrets, keys, or certificates.',
    perm(
      [
        'Microsoft.Authorization/*/read',
        'Microsoft.KeyVault/*',
        'Microsoft.Resources/subscriptions/resourceGroups/read',
      ],
      [],
      [
        'Microsoft.KeyVault/locations/deletedVaults/purge/action',
        'Microsoft.KeyVault/hsmPools/*',
        'Microsoft.KeyVault/managedHsms/*',
      ],
    ),
  ),
];

/** Finds a role by GUID, full role definition id, or name (case-insensitive, as az does). */
export function findRoleDefinition(definitions: readonly RoleDefinition[], role: string): RoleDefinition | undefined {
  const r = role.trim().toLowerCase();
  const guid = r.includes('/roledefinitions/') ? r.slice(r.lastIndexOf('/') + 1) : r;
  return definitions.find((d) => d.id === guid) ?? definitions.find((d) => d.roleName.toLowerCase() === r);
}

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>` (or tenant-level when no sub). */
export function roleDefinitionResourceId(roleId: string, subscriptionId?: string): string {
  return `${subscriptionId ? `/subscriptions/${subscriptionId}` : ''}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`;
}
