import { DockyardError } from '../shared/index.js';

/** ACR's per-SKU limits for repository-scoped access (acr-reference-2.md §1: Basic/Standard/Premium). */
export const TOKEN_LIMITS: Record<string, number> = { Basic: 100, Standard: 500, Premium: 50_000 };
export const SCOPE_MAP_LIMITS: Record<string, number> = { Basic: 100, Standard: 500, Premium: 50_000 };

export const tokenLimit = (sku: string | undefined): number => TOKEN_LIMITS[sku ?? 'Basic'] ?? TOKEN_LIMITS.Basic;
export const scopeMapLimit = (sku: string | undefined): number =>
  SCOPE_MAP_LIMITS[sku ?? 'Basic'] ?? SCOPE_MAP_LIMITS.Basic;

/** ACR's answer to a create over the SKU's quota (the same wording as for webhooks). */
export function quotaExceeded(resourceType: 'tokens' | 'scopeMaps', sku: string | undefined): DockyardError {
  return new DockyardError(
    'QuotaExceeded',
    `Quota exceeded for resource type ${resourceType} for the registry SKU ${sku ?? 'Basic'}. Learn more about different SKU quotas and upgrade process: https://docs.microsoft.com/en-us/azure/container-registry/container-registry-skus`,
  );
}
