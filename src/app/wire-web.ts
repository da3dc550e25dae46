import { dashboardPlugin } from '../web/index.js';
import { clientAddress, FORWARDED_CLIENT_HEADER, relayedClientHeader } from '../network/index.js';
import type { Platform } from './platform.js';
import type { RegistryModule } from '../registry/index.js';

/**
 * Serves the web dashboard from the API listener (`/dashboard/`), with its permissions query and registry proxy. The
 * proxy relays the browser's address (trusted-proxy rules applied) to the registry listener, signed with `relayKey`,
 * so the registry's own network rules judge the browser, not the server.
 */
export async function wireWeb(
  platform: Pick<Platform, 'api' | 'registries' | 'identity' | 'config' | 'tasks'>,
  relayKey: Buffer,
  registry: RegistryModule,
): Promise<void> {
  await platform.api.register(
    dashboardPlugin({
      authorizer: platform.identity.authorizer,
      loginServerOf: async (name) => (await platform.registries.byName(name))?.login_server ?? null,
      aggregates: {
        async registryById(id) {
          const r = await platform.registries.byName(id.split('/').pop()!);
          return r && r.id.toLowerCase() === id.toLowerCase() ? { id: r.id, name: r.name } : null;
        },
        activity: (name, days) => registry.dailyStats.series(name, days),
        repositoryBytes: (name) => registry.repositoryBytes(name),
        runs: (name, since, task) => platform.tasks.runStats(name, since, task),
      },
      vaultAccess: async (principal, name) => {
        const vault = await platform.identity.vault.vault(name);
        const can = (op: 'get' | 'list' | 'set' | 'delete') =>
          platform.identity.vault.checkAccess(principal, vault, op).then(
            () => true,
            () => false,
          );
        return { get: await can('get'), list: await can('list'), set: await can('set'), delete: await can('delete') };
      },
      relayClient: (peer, headers) => [
        FORWARDED_CLIENT_HEADER,
        relayedClientHeader(clientAddress(peer, headers, platform.config.trustedProxies), relayKey),
      ],
    }),
  );
}
