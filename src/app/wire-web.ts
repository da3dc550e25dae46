import { dashboardPlugin } from '../web/index.js';
import { clientAddress, FORWARDED_CLIENT_HEADER, relayedClientHeader } from '../network/index.js';
import type { Platform } from './platform.js';

/**
 * Serves the web dashboard from the API listener (`/dashboard/`), with its permissions query and registry proxy. The
 * proxy relays the browser's address (trusted-proxy rules applied) to the registry listener, signed with `relayKey`,
 * so the registry's own network rules judge the browser, not the server.
 */
export async function wireWeb(
  platform: Pick<Platform, 'api' | 'registries' | 'identity' | 'config'>,
  relayKey: Buffer,
): Promise<void> {
  await platform.api.register(
    dashboardPlugin({
      authorizer: platform.identity.authorizer,
      loginServerOf: async (name) => (await platform.registries.byName(name))?.login_server ?? null,
      relayClient: (peer, headers) => [
        FORWARDED_CLIENT_HEADER,
        relayedClientHeader(clientAddress(peer, headers, platform.config.trustedProxies), relayKey),
      ],
    }),
  );
}
