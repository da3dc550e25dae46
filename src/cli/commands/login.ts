import { Command } from 'commander';
import { leaf } from '../command-kit.js';
import { ApiClient } from '../client.js';
import { CliError } from '../errors.js';
import { resolveConnection, type Connection } from '../connection.js';
import { clearProfile, saveProfile, type Profile } from '../credentials.js';
import {
  clientCredentialsToken,
  identityUser,
  LOCAL_ADMIN_CLIENT_ID,
  localAdminKey,
  managedIdentityToken,
} from '../identity-login.js';
import { accountShape } from './account.js';

function connectionFor(identity: boolean): Connection {
  try {
    return resolveConnection();
  } catch (err) {
    const ep = process.env.IDENTITY_ENDPOINT ?? process.env.MSI_ENDPOINT;
    if (identity && ep) return { endpoint: new URL(ep).origin };
    throw err;
  }
}

async function publicInfo(endpoint: string): Promise<{ tenantId: string; subscriptionId: string }> {
  const res = await fetch(`${endpoint}/dockyard/v1/info`).catch((err: Error) => {
    throw new CliError('CliConnection', `Could not reach the Dockyard server at ${endpoint}: ${err.message}`);
  });
  return (await res.json()) as { tenantId: string; subscriptionId: string };
}

/** `dockyard login`: obtains a bearer token (admin key, service principal, or managed identity) and stores a profile. */
export function loginCommand(): Command {
  return leaf(
    new Command('login')
      .description('Log in to Dockyard: as the local admin (default), a service principal, or a managed identity.')
      .option('--service-principal', 'The credential represents a service principal')
      .option(
        '-u, --username <username>',
        'Service principal app id; with --identity: client id or resource id of a user-assigned identity',
      )
      .option('-p, --password <password>', 'Service principal secret')
      .option('-t, --tenant <tenant>', 'The tenant')
      .option('--identity', 'Log in using the managed identity of this workload (IDENTITY_ENDPOINT/IDENTITY_HEADER)')
      .option('--allow-no-subscriptions', 'Accepted for az compatibility'),
    async (ctx) => {
      const identity = Boolean(ctx.opts.identity);
      const conn = connectionFor(identity);
      const username = ctx.opts.username as string | undefined;
      let token: { accessToken: string; expiresOn: number };
      let user: Profile['user'];
      let refresh: Profile['refresh'];
      let tenantId: string;
      if (identity) {
        token = await managedIdentityToken(username);
        user = identityUser(token.accessToken, username);
        refresh = { kind: 'identity', ...(username ? { username } : {}) };
        tenantId = String(
          (JSON.parse(Buffer.from(token.accessToken.split('.')[1], 'base64url').toString()) as { tid: string }).tid,
        );
      } else if (ctx.opts.servicePrincipal) {
        if (!username || !ctx.opts.password)
          throw new CliError(
            'CliUsage',
            'usage error: --service-principal --username NAME --password SECRET --tenant TENANT',
            2,
          );
        tenantId = (ctx.opts.tenant as string | undefined) ?? (await publicInfo(conn.endpoint)).tenantId;
        token = await clientCredentialsToken(conn.endpoint, tenantId, username, String(ctx.opts.password));
        user = { name: username, type: 'servicePrincipal' };
        refresh = { kind: 'servicePrincipal', clientId: username, secret: String(ctx.opts.password) };
      } else {
        const key = localAdminKey(conn);
        if (!key)
          throw new CliError(
            'CliNotLoggedIn',
            'No admin key found: run on the server machine (data dir with admin.key), set DOCKYARD_ADMIN_KEY, or use --service-principal / --identity.',
          );
        tenantId = (ctx.opts.tenant as string | undefined) ?? (await publicInfo(conn.endpoint)).tenantId;
        token = await clientCredentialsToken(conn.endpoint, tenantId, LOCAL_ADMIN_CLIENT_ID, key);
        user = { name: 'admin@dockyard.local', type: 'user' };
        refresh = { kind: 'admin' };
      }
      const profile: Profile = {
        endpoint: conn.endpoint,
        accessToken: token.accessToken,
        expiresOn: token.expiresOn,
        user,
        tenantId,
        refresh,
      };
      saveProfile(profile);
      const client = new ApiClient(conn);
      const subs = await client.request<{
        value: Array<{ subscriptionId: string; displayName: string; tenantId: string }>;
      }>('/subscriptions', { query: { 'api-version': '2022-09-01' } });
      const first = subs.value[0];
      if (first) saveProfile({ ...profile, subscriptionId: first.subscriptionId, subscriptionName: first.displayName });
      return subs.value.map((s, i) => {
        const { environmentName: _e, ...rest } = accountShape(
          { ...profile, subscriptionId: s.subscriptionId, subscriptionName: s.displayName },
          i === 0,
        );
        return { cloudName: 'AzureCloud', ...rest };
      });
    },
  );
}

export function logoutCommand(): Command {
  return leaf(
    new Command('logout').description('Log out to remove access to Dockyard.').option('-u, --username <username>'),
    async () => {
      clearProfile();
      return undefined;
    },
  );
}
