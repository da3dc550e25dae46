import { Command } from 'commander';
import { collect, leaf, requireOpt } from '../command-kit.js';
import { API, findRegistry } from '../arm-paths.js';
import { CliError } from '../errors.js';

/** Splits `--source`: `<login server>/<repo>:<tag>` (the first path part has a '.' or ':' or is localhost) or `<repo>:<tag>`. */
export function splitSource(source: string): { registryUri?: string; sourceImage: string } {
  const slash = source.indexOf('/');
  if (slash > 0) {
    const host = source.slice(0, slash);
    if (host.includes('.') || host.includes(':') || host === 'localhost')
      return { registryUri: host, sourceImage: source.slice(slash + 1) };
  }
  return { sourceImage: source };
}

/**
 * `dockyard acr import -n <target> --source <loginServer/repo:tag | repo:tag -r <source registry>> [-t repo:tag ...]
 * [--repository repo ...] [--force]`: server-side copy between Dockyard registries (ARM `importImage`).
 */
export function acrImportCommand(): Command {
  return leaf(
    new Command('import')
      .description(
        'Import an image to an Azure Container Registry from another Dockyard registry (server side, no pull/push through this client).',
      )
      .option('-n, --name <name>', 'The name of the target container registry.')
      .option('-g, --resource-group <rg>')
      .option('--source <image>', "The source image: '<login server>/<repo>:<tag>' or '<repo>:<tag>' with --registry.")
      .option('-r, --registry <registry>', 'The source container registry (name or resource id).')
      .option(
        '-t, --image <repo:tag>',
        'Target image (repeatable). Defaults to the source repository and tag.',
        collect,
      )
      .option('--repository <repo>', 'Import into this repository without a tag (repeatable).', collect)
      .option('--force', 'Overwrite existing tags in the target (mode Force).'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const sourceArg = requireOpt(ctx.opts, 'source', '--source');
      const client = ctx.client();
      const target = await findRegistry(
        client,
        name,
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      const split = splitSource(sourceArg);
      const source: Record<string, string> = { sourceImage: split.sourceImage };
      const reg = ctx.opts.registry as string | undefined;
      if (reg) {
        source.resourceId = reg.startsWith('/')
          ? reg
          : String((await findRegistry(client, reg, undefined, ctx.opts.subscription)).id);
        if (split.registryUri) source.sourceImage = sourceArg.slice(split.registryUri.length + 1);
      } else if (split.registryUri) {
        source.registryUri = split.registryUri;
      } else {
        throw new CliError(
          'CliUsage',
          "Please specify the source registry: use '--source <login server>/<repo>:<tag>' or '--registry <name>'.",
          2,
        );
      }
      const body: Record<string, unknown> = { source, mode: ctx.opts.force ? 'Force' : 'NoForce' };
      const images = (ctx.opts.image as string[] | undefined) ?? [];
      const repos = (ctx.opts.repository as string[] | undefined) ?? [];
      if (images.length) body.targetTags = images;
      if (repos.length) body.untaggedTargetRepositories = repos;
      const spin = ctx.progress.spinner(`Importing ${sourceArg} into ${name}`);
      try {
        const result = await client.request(`${String(target.id)}/importImage`, {
          method: 'POST',
          query: { 'api-version': API.registries },
          body,
        });
        spin.stop(`Imported ${sourceArg} into ${name}.`);
        return result;
      } catch (err) {
        spin.stop(`Import of ${sourceArg} failed.`);
        throw err;
      }
    },
  );
}
