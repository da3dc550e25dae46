import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { leaf } from '../command-kit.js';
import { resolveConnection } from '../connection.js';
import { CliError } from '../errors.js';

interface EndpointFile {
  endpoint: string;
  tlsEndpoint?: string;
  loginServerSuffix?: string;
}

/** The cloud configuration the Azure CLI needs to talk to this Dockyard (`az cloud register --cloud-config`). */
export function cloudConfig(e: EndpointFile): Record<string, unknown> {
  if (!e.tlsEndpoint)
    throw new CliError(
      'CliConnection',
      'The Azure CLI needs https: start Dockyard with --login-server-suffix <suffix> (or --tls-cert/--tls-key).',
    );
  const tls = e.tlsEndpoint.replace(/\/+$/, '');
  const port = Number(new URL(tls).port || 443);
  const withPort = (s: string): string => (port === 443 ? s : `${s}:${port}`);
  const suffixes: Record<string, string> = {
    acrLoginServerEndpoint: e.loginServerSuffix ? withPort(`.${e.loginServerSuffix}`) : '.azurecr.io',
  };
  if (e.loginServerSuffix) {
    suffixes.keyvaultDns = withPort(`.vault.${e.loginServerSuffix}`);
    suffixes.storageEndpoint = withPort(e.loginServerSuffix);
  }
  return {
    endpoints: {
      activeDirectory: `${tls}/adfs`,
      activeDirectoryResourceId: 'https://management.core.windows.net/',
      resourceManager: `${tls}/`,
      management: 'https://management.core.windows.net/',
      microsoftGraphResourceId: `${tls}/graph/`,
      activeDirectoryGraphResourceId: `${tls}/graph/`,
    },
    suffixes,
  };
}

export function azCloudCommand(): Command {
  const cmd = new Command('az-cloud').description(
    'Print (or register with --register) the Azure CLI cloud configuration for this Dockyard.',
  );
  leaf(
    cmd
      .option('--register', 'run `az cloud register` and `az cloud set` with it')
      .option('--name <name>', 'cloud name', 'Dockyard'),
    async (ctx) => {
      const conn = resolveConnection();
      const file = conn.dataDir ? join(conn.dataDir, 'endpoint.json') : undefined;
      if (!file || !existsSync(file))
        throw new CliError(
          'CliConnection',
          'Run this on the machine that runs Dockyard (it reads <data-dir>/endpoint.json).',
        );
      const config = cloudConfig(JSON.parse(readFileSync(file, 'utf8')) as EndpointFile);
      if (!ctx.opts.register) return config;
      const name = String(ctx.opts.name);
      const dir = mkdtempSync(join(tmpdir(), 'dockyard-cloud-'));
      try {
        const f = join(dir, 'cloud.json');
        writeFileSync(f, JSON.stringify(config));
        const az = (args: string[]) => execFileSync('az', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
        const known = az(['cloud', 'list', '--query', '[].name', '-o', 'tsv']).split('\n').includes(name);
        az(['cloud', known ? 'update' : 'register', '-n', name, '--cloud-config', `@${f}`]);
        az(['cloud', 'set', '-n', name]);
      } catch (err) {
        throw new CliError(
          'CliAzCloud',
          `az cloud register failed: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message}`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const ca = conn.dataDir ? join(conn.dataDir, 'tls', 'ca.crt') : '';
      ctx.info(
        `Registered and selected cloud '${name}'. Trust the CA: dockyard tls trust (or export REQUESTS_CA_BUNDLE=${ca}).`,
      );
      return config;
    },
  );
  return cmd;
}
