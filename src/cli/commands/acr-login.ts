import { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { leaf, requireOpt } from '../command-kit.js';
import { findRegistry } from '../arm-paths.js';
import { NULL_GUID, registryRefreshToken } from '../acr-auth.js';

/** The credentials file podman/buildah/skopeo/docker read: $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function authFilePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME ?? homedir(), '.docker', 'config.json');
}

export function writeAuthEntry(file: string, loginServer: string, username: string, password: string): void {
  let cfg: { auths?: Record<string, unknown> } & Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      cfg = JSON.parse(readFileSync(file, 'utf8')) as typeof cfg;
    } catch {
      cfg = {};
    }
  }
  cfg.auths = {
    ...(cfg.auths ?? {}),
    [loginServer]: { auth: Buffer.from(`${username}:${password}`).toString('base64') },
  };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
}

/** `dockyard acr login -n <registry> [--expose-token]`. */
export function acrLoginCommand(): Command {
  return leaf(
    new Command('login')
      .description('Log in to an Azure Container Registry (writes credentials for podman/buildah/skopeo/docker).')
      .option('-n, --name <name>')
      .option('-t, --expose-token', 'Expose access token instead of writing a credentials file')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const c = ctx.client();
      const reg = await findRegistry(c, name, ctx.opts.resourceGroup as string | undefined, ctx.opts.subscription);
      const loginServer = String(reg.loginServer);
      const token = await registryRefreshToken(c, loginServer);
      if (ctx.opts.exposeToken) {
        ctx.warn(
          `You can perform manual login using the provided access token below, for example: 'docker login ${loginServer} --username ${NULL_GUID} --password-stdin'`,
        );
        return { accessToken: token, loginServer };
      }
      const file = authFilePath();
      writeAuthEntry(file, loginServer, NULL_GUID, token);
      process.stdout.write('Login Succeeded\n');
      return undefined;
    },
  );
}
