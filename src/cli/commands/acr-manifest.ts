import { Command } from 'commander';
import { leaf, requireOpt } from '../command-kit.js';
import { CliError } from '../errors.js';
import { listManifests, orderbyParam, sessionFor } from './acr-repository.js';

/** `dockyard acr manifest list-metadata -r <registry> -n <repository>` (or `<registry>/<repository>`). */
export function acrManifestCommands(): Command {
  const manifest = new Command('manifest').description('Manage artifact manifests in Azure Container Registries.');
  leaf(
    manifest
      .command('list-metadata')
      .description('List the metadata of the manifests in a repository.')
      .argument('[repo_id]', '<registry>/<repository>')
      .option('-r, --registry <registry>')
      .option('-n, --name <repository>')
      .option('--top <n>')
      .option('--orderby <order>', 'time_asc or time_desc'),
    async (ctx, repoId) => {
      let registry = ctx.opts.registry as string | undefined;
      let repository = ctx.opts.name as string | undefined;
      if (repoId) {
        const i = repoId.indexOf('/');
        if (i <= 0) throw new CliError('CliUsage', "the repository id must look like '<registry>/<repository>'", 2);
        registry = repoId.slice(0, i).split('.')[0];
        repository = repoId.slice(i + 1);
      }
      const reg: string = requireOpt({ registry }, 'registry', '--registry/-r');
      const repo: string = requireOpt({ repository }, 'repository', '--name/-n');
      const s = await sessionFor(ctx, reg);
      return listManifests(
        s,
        repo,
        orderbyParam(ctx.opts.orderby),
        ctx.opts.top === undefined ? undefined : Number(ctx.opts.top),
      );
    },
  );
  return manifest;
}
