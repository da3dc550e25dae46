import { DockyardError } from '../shared/index.js';

/** Resource group: 1-90 chars of letters, digits, underscores, parentheses, hyphens, periods; not ending in a period. */
export function validateResourceGroupName(name: string): void {
  if (!/^[-\w._()]{1,90}$/u.test(name) || name.endsWith('.')) {
    throw new DockyardError(
      'InvalidResourceName',
      `Resource group name '${name}' is invalid. It must be 1-90 characters of letters, digits, underscores, parentheses, hyphens and periods, and must not end in a period.`,
    );
  }
}

/** Registry: 5-50 alphanumerics (ACR); globally unique, case-insensitively. */
export function validateRegistryName(name: string): void {
  if (!/^[a-zA-Z0-9]{5,50}$/.test(name)) {
    throw new DockyardError(
      'InvalidResourceName',
      `Registry name '${name}' is invalid. It must contain only alpha numeric characters and be between 5 and 50 characters.`,
    );
  }
}

/** User-assigned identity: 3-128 chars, starts with a letter or digit, then letters, digits, hyphens, underscores. */
export function validateIdentityName(name: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/.test(name)) {
    throw new DockyardError(
      'InvalidResourceName',
      `Resource name '${name}' is invalid. The name can contain only letters, numbers, underscores and hyphens, must start with a letter or number, and must be 3 to 128 characters long.`,
    );
  }
}

const SKUS = ['Basic', 'Standard', 'Premium'] as const;
export type Sku = (typeof SKUS)[number];

export function normalizeSku(sku: string | undefined): Sku {
  const found = SKUS.find((s) => s.toLowerCase() === (sku ?? 'Standard').toLowerCase());
  if (!found)
    throw new DockyardError('InvalidParameter', `The SKU '${sku}' is invalid. Allowed values: ${SKUS.join(', ')}.`);
  return found;
}

export function validateLocation(location: string | undefined): string {
  if (!location || !/^[a-zA-Z0-9 ]{1,64}$/.test(location)) {
    throw new DockyardError(
      'InvalidResourceGroupLocation',
      `The provided location '${location ?? ''}' is not available for resource group.`,
    );
  }
  return location.replace(/\s+/g, '').toLowerCase();
}
