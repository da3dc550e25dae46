import { Command } from 'commander';
import { leaf, requireOpt } from '../command-kit.js';
import { API, findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';

/** `dockyard acr credential show|renew -n <registry>` (ARM listCredentials / regenerateCredential). */
export function acrCredentialCommands(): Command {
  const cred = new Command('credential').description('Manage login credentials for Azure Container Registries.');
  const registryOf = async (ctx: Parameters<Parameters<typeof leaf>[1]>[0]) => {
    const name = requireOpt(ctx.opts, 'name', '--name/-n');
    const reg = await findRegistry(
      ctx.client(),
      name,
      ctx.opts.resourceGroup as string | undefined,
      ctx.opts.subscription,
    );
    if (!reg.adminUserEnabled)
      throw new CliError(
        'AdminUserDisabled',
        `Run 'dockyard acr update -n ${name} --admin-enabled true' to enable admin first.`,
      );
    return reg;
  };
  leaf(
    cred
      .command('show')
      .description('Get the login credentials for an Azure Container Registry.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const reg = await registryOf(ctx);
      return ctx
        .client()
        .request(`${String(reg.id)}/listCredentials`, { method: 'POST', query: { 'api-version': API.registries } });
    },
  );
  leaf(
    cred
      .command('renew')
      .description('Regenerate login credentials for an Azure Container Registry.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>')
      .option('--password-name <name>', 'password or password2'),
    async (ctx) => {
      const which = requireOpt(ctx.opts, 'passwordName', '--password-name');
      if (which !== 'password' && which !== 'password2')
        throw new CliError(
          'CliUsage',
          "argument --password-name: invalid choice: allowed values are 'password', 'password2'",
          2,
        );
      const reg = await registryOf(ctx);
      return ctx.client().request(`${String(reg.id)}/regenerateCredential`, {
        method: 'POST',
        query: { 'api-version': API.registries },
        body: { name: which },
      });
    },
  );
  return cred;
}
