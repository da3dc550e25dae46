/** The resources (token audiences) this identity service issues tokens for, with their canonical `aud`. */
export const RESOURCES = {
  management: 'https://management.azure.com/',
  containerRegistry: 'https://containerregistry.azure.net',
  vault: 'https://vault.azure.net',
  graph: 'https://graph.microsoft.com/',
} as const;

const ALIASES: Record<string, string> = {
  'https://management.azure.com': RESOURCES.management,
  'https://management.core.windows.net': RESOURCES.management,
  'https://containerregistry.azure.net': RESOURCES.containerRegistry,
  'https://vault.azure.net': RESOURCES.vault,
  'https://graph.microsoft.com': RESOURCES.graph,
};

/** Dockyard's own Graph endpoint on a loopback listener (`https://127.0.0.1:<port>/graph`) stands for Microsoft Graph. */
const LOOPBACK_GRAPH = /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/graph$/;

const key = (r: string): string =>
  r
    .trim()
    .replace(/\/\.default$/i, '')
    .replace(/\/+$/, '')
    .toLowerCase();

/** Key Vault of a custom cloud (`https://vault.<suffix>[:port]`, login servers by name) stands for Key Vault. */
const CUSTOM_VAULT = /^https:\/\/vault\.[a-z0-9.-]+(:\d+)?$/;

/** Maps a requested resource (`resource=` or `scope=<resource>/.default`) to its audience, or null if unknown. */
export function audienceFor(resource: string): string | null {
  const k = key(resource);
  return ALIASES[k] ?? (LOOPBACK_GRAPH.test(k) ? RESOURCES.graph : CUSTOM_VAULT.test(k) ? RESOURCES.vault : null);
}

/** True when a token's `aud` is one of the expected audiences (trailing slash and case do not matter). */
export function audienceMatches(aud: unknown, expected: readonly string[]): boolean {
  const auds = Array.isArray(aud) ? aud : [aud];
  const want = new Set(expected.map((e) => audienceFor(e) ?? key(e)).map(key));
  return auds.some((a) => typeof a === 'string' && want.has(key(audienceFor(a) ?? a)));
}
