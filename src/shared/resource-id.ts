/**
 * ARM resource ids: `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}...]`.
 * Comparisons are case-insensitive as in ARM; the stored casing is the casing given at creation.
 */
export interface ParsedResourceId {
  subscriptionId: string;
  resourceGroup?: string;
  provider?: string;
  /** type/name pairs below the provider, e.g. [['registries','myreg'],['tasks','t1']] */
  segments: Array<[string, string]>;
}

export function parseResourceId(id: string): ParsedResourceId | null {
  const parts = id.split('/').filter((p) => p.length > 0);
  if (parts.length < 2 || parts[0].toLowerCase() !== 'subscriptions') return null;
  const out: ParsedResourceId = { subscriptionId: parts[1], segments: [] };
  let i = 2;
  if (i < parts.length) {
    if (parts[i].toLowerCase() !== 'resourcegroups' || i + 1 >= parts.length) return null;
    out.resourceGroup = parts[i + 1];
    i += 2;
  }
  if (i < parts.length) {
    if (parts[i].toLowerCase() !== 'providers' || i + 1 >= parts.length) return null;
    out.provider = parts[i + 1];
    i += 2;
    const rest = parts.slice(i);
    if (rest.length === 0 || rest.length % 2 !== 0) return null;
    for (let j = 0; j < rest.length; j += 2) out.segments.push([rest[j], rest[j + 1]]);
  }
  return out;
}

export const subscriptionScope = (sub: string): string => `/subscriptions/${sub}`;
export const resourceGroupScope = (sub: string, rg: string): string => `/subscriptions/${sub}/resourceGroups/${rg}`;

export function resourceIdOf(sub: string, rg: string, provider: string, ...typeNamePairs: string[]): string {
  return `${resourceGroupScope(sub, rg)}/providers/${provider}/${typeNamePairs.join('/')}`;
}

/** Canonical lower-case form used as a key for case-insensitive lookups and scope comparisons. */
export const normalizeId = (id: string): string => id.replace(/\/+$/, '').toLowerCase();

/** True when `scope` equals `id` or is an ancestor of it (segment-wise, case-insensitive). */
export function scopeContains(scope: string, id: string): boolean {
  const s = normalizeId(scope);
  const t = normalizeId(id);
  return t === s || t.startsWith(`${s}/`) || s === '' || s === '/';
}
