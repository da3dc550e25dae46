/** The resources (token audiences) this identity service issues tokens for, with their canonical `aud`. */
export const RESOURCES = {
  management: 'https://management.azure.com/',
  containerRegistry: 'https://containerregistry.azure.net',
  vault: 'https://vault.azure.net',
} as const;

const ALIASES: Record<string, string> = {
  'https://management.azure.com': RESOURCES.management,
  'https://management.core.windows.net': RESOURCES.management,
  'https://containerregistry.azure.net': RESOURCES.containerRegistry,
  'https://vault.azure.net': RESOURCES.vault,
};

const key = (r: string): string =>
  r
    .trim()
    .replace(/\/\.default$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();

/** Maps a requested resource (`resource=` or `scope=<resource>/.default`) to its audience, or null if unknown. */
export function audienceFor(resource: string): string | null {
  return ALIASES[key(resource)] ?? null;
}

/** True when a token's `aud` is one of the expected audiences (trailing slash and case do not matter). */
export function audienceMatches(aud: unknown, expected: readonly string[]): boolean {
  const auds = Array.isArray(aud) ? aud : [aud];
  const want = new Set(expected.map((e) => audienceFor(e) ?? key(e)).map(key));
  return auds.some((a) => typeof a === 'string' && want.has(key(audienceFor(a) ?? a)));
}
