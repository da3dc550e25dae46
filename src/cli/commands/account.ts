import { Command } from 'commander';
import { leaf } from '../command-kit.js';
import { resolveConnection } from '../connection.js';
import { loadProfile, type Profile } from '../credentials.js';
import { CliError } from '../errors.js';
import { localAdminKey } from '../identity-login.js';

/** az's `account show` shape (environmentName, id, isDefault, name, state, tenantId, user...). */
export function accountShape(
  p: Pick<Profile, 'tenantId' | 'user' | 'subscriptionId' | 'subscriptionName'>,
  isDefault = true,
): Record<string, unknown> {
  return {
    environmentName: 'AzureCloud',
    homeTenantId: p.tenantId,
    id: p.subscriptionId ?? null,
    isDefault,
    managedByTenants: [],
    name: p.subscriptionName ?? p.subscriptionId ?? 'N/A(tenant level account)',
    state: 'Enabled',
    tenantId: p.tenantId,
    user: p.user,
  };
}

export function accountCommands(): Command {
  const account = new Command('account').description('Manage Dockyard subscription information.');
  leaf(account.command('show').description('Get the details of a subscription.'), async (ctx) => {
    const conn = resolveConnection();
    const profile = loadProfile(conn.endpoint);
    if (profile) return accountShape(profile);
    if (!localAdminKey(conn)) throw new CliError('CliNotLoggedIn', 'Please run "dockyard login" to setup account.');
    const c = ctx.client();
    const sub = await c.request<{ subscriptionId: string; displayName: string; tenantId: string }>(
      `/subscriptions/${await c.subscriptionId()}`,
      { query: { 'api-version': '2022-09-01' } },
    );
    return accountShape({
      tenantId: sub.tenantId,
      subscriptionId: sub.subscriptionId,
      subscriptionName: sub.displayName,
      user: { name: 'admin@dockyard.local', type: 'user' },
    });
  });
  leaf(
    account
      .command('get-access-token')
      .description('Get a token for utilities to access Dockyard.')
      .option('--resource <resource>'),
    async () => {
      const conn = resolveConnection();
      const profile = loadProfile(conn.endpoint);
      if (!profile) throw new CliError('CliNotLoggedIn', 'Please run "dockyard login" to setup account.');
      return {
        accessToken: profile.accessToken,
        expiresOn: new Date(profile.expiresOn * 1000).toISOString(),
        expires_on: profile.expiresOn,
        subscription: profile.subscriptionId,
        tenant: profile.tenantId,
        tokenType: 'Bearer',
      };
    },
  );
  return account;
}
