/**
 * A login server is `127.0.0.1:<port>` (a loopback listener per registry, plain http) or `<name>.<suffix>[:port]`
 * (login servers by name on the shared https listener). Clients pick the scheme from its form, as docker does for
 * loopback registries.
 */
const PLAIN = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]|localhost):\d+$/i;

export const registryScheme = (loginServer: string): 'http' | 'https' => (PLAIN.test(loginServer) ? 'http' : 'https');

/** `http://127.0.0.1:5001` or `https://myregistry.dockyard.test:6443` */
export const registryBaseUrl = (loginServer: string): string => `${registryScheme(loginServer)}://${loginServer}`;
