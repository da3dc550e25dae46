import type { AccessPolicy, SecretRow, VaultRow } from './tables.js';
import { secretId, vaultUri } from './references.js';

/** The vault as ARM / `az keyvault show` returns it. */
export function vaultShape(v: VaultRow): Record<string, unknown> {
  return {
    id: v.id,
    location: v.location,
    name: v.name,
    properties: {
      accessPolicies: JSON.parse(v.access_policies) as AccessPolicy[],
      createMode: null,
      enablePurgeProtection: null,
      enableRbacAuthorization: v.enable_rbac_authorization === 1,
      enableSoftDelete: true,
      enabledForDeployment: false,
      enabledForDiskEncryption: null,
      enabledForTemplateDeployment: null,
      hsmPoolResourceId: null,
      networkAcls: null,
      privateEndpointConnections: null,
      provisioningState: 'Succeeded',
      publicNetworkAccess: 'Enabled',
      sku: { family: 'A', name: v.sku },
      softDeleteRetentionInDays: 90,
      tenantId: v.tenant_id,
      vaultUri: vaultUri(v.name),
    },
    resourceGroup: v.resource_group,
    systemData: {
      createdAt: v.created_at,
      createdBy: v.created_by,
      createdByType: 'Application',
      lastModifiedAt: v.created_at,
      lastModifiedBy: v.created_by,
      lastModifiedByType: 'Application',
    },
    tags: JSON.parse(v.tags) as Record<string, string>,
    type: 'Microsoft.KeyVault/vaults',
  };
}

function attributes(r: SecretRow): Record<string, unknown> {
  return {
    enabled: r.enabled === 1,
    ...(r.nbf !== null ? { nbf: r.nbf } : {}),
    ...(r.exp !== null ? { exp: r.exp } : {}),
    created: r.created,
    updated: r.updated,
    recoveryLevel: 'Recoverable+Purgeable',
    recoverableDays: 90,
  };
}

/** A SecretBundle (Key Vault REST 7.4); `value` only when the caller may read it. */
export function secretBundle(vault: string, r: SecretRow, value?: string): Record<string, unknown> {
  return {
    ...(value !== undefined ? { value } : {}),
    id: secretId(vault, r.name, r.version),
    ...(r.content_type !== null ? { contentType: r.content_type } : {}),
    attributes: attributes(r),
    ...(r.tags !== null ? { tags: JSON.parse(r.tags) as Record<string, string> } : {}),
  };
}

/** A SecretItem (lists): no value; `id` without version for `list`, with version for `versions`. */
export function secretItem(vault: string, r: SecretRow, withVersion: boolean): Record<string, unknown> {
  return {
    id: secretId(vault, r.name, withVersion ? r.version : undefined),
    ...(r.content_type !== null ? { contentType: r.content_type } : {}),
    attributes: attributes(r),
    ...(r.tags !== null ? { tags: JSON.parse(r.tags) as Record<string, string> } : {}),
  };
}
