import { dashboardPlugin } from '../web/index.js';
import type { Platform } from './platform.js';

/** Serves the web dashboard from the API listener (`/dashboard/`), with its permissions query and registry proxy. */
export async function wireWeb(platform: Pick<Platform, 'api' | 'registries' | 'identity'>): Promise<void> {
  await platform.api.register(
    dashboardPlugin({
      authorizer: platform.identity.authorizer,
      loginServerOf: async (name) => (await platform.registries.byName(name))?.login_server ?? null,
    }),
  );
}
