import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { leaf, requireOpt, type CommandContext } from '../command-kit.js';
import { API, findRegistry } from '../arm-paths.js';
import { registryAccessToken, registryRefreshToken } from '../acr-auth.js';
import { CliError } from '../errors.js';

const usageTable = (r: unknown) =>
  ((r as { value?: Array<Record<string, unknown>> }).value ?? []).map((u) => ({
    NAME: u.name,
    LIMIT: u.limit,
    'CURRENT VALUE': u.currentValue,
    UNIT: u.unit,
  }));

/** `docker version` of the local engine, or why it is not available (5 s bound). */
function dockerVersion(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['version', '--format', '{{.Server.Version}}'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && out.trim()) resolve(out.trim());
      else reject(new Error(err.trim().split('\n')[0] || `docker exited with ${code}`));
    });
  });
}

async function checkHealth(ctx: CommandContext): Promise<undefined> {
  const failures: string[] = [];
  const check = async (label: string, fn: () => Promise<string>, code: string) => {
    try {
      ctx.info(`${label}: ${await fn()}`);
    } catch (err) {
      failures.push(code);
      process.stderr.write(`An error occurred: ${code}\n${label}: ${(err as Error).message}\n`);
    }
  };
  const c = ctx.client();
  await check(
    `Dockyard server ${c.endpoint}`,
    async () => {
      const info = await c.request<{ version: string; engine?: string }>('/dockyard/v1/info');
      return `OK (version ${info.version}, task engine ${info.engine ?? 'unknown'})`;
    },
    'SERVER_UNREACHABLE',
  );
  await check(
    'Docker daemon status',
    async () => `available (server version ${await dockerVersion()})`,
    'DOCKER_DAEMON_ERROR',
  );
  const name = ctx.opts.name as string | undefined;
  if (name) {
    let loginServer = '';
    await check(
      `Registry '${name}'`,
      async () => {
        loginServer = String((await findRegistry(c, name, undefined, ctx.opts.subscription)).loginServer);
        return `OK (${loginServer})`;
      },
      'CONNECTIVITY_REGISTRY_NOT_FOUND',
    );
    if (loginServer) {
      await check(
        `Challenge endpoint http://${loginServer}/v2/`,
        async () => {
          const res = await fetch(`http://${loginServer}/v2/`, { signal: AbortSignal.timeout(10_000) });
          if (res.status !== 401 || !res.headers.get('www-authenticate'))
            throw new Error(`unexpected answer ${res.status}`);
          return 'OK';
        },
        'CONNECTIVITY_CHALLENGE_ERROR',
      );
      let refresh = '';
      await check(
        `Fetch refresh token for registry '${loginServer}'`,
        async () => {
          refresh = await registryRefreshToken(c, loginServer);
          return 'OK';
        },
        'CONNECTIVITY_REFRESH_TOKEN_ERROR',
      );
      if (refresh) {
        await check(
          `Fetch access token for registry '${loginServer}'`,
          async () => {
            await registryAccessToken(loginServer, refresh, ['registry:catalog:*']);
            return 'OK';
          },
          'CONNECTIVITY_ACCESS_TOKEN_ERROR',
        );
      }
    }
  }
  if (failures.length && !ctx.opts.ignoreErrors)
    throw new CliError(
      'CliUsage',
      `Health check failed: ${failures.join(', ')}. Use --ignore-errors to continue on errors.`,
      1,
    );
  if (!failures.length) ctx.info('Health check succeeded.');
  return undefined;
}

/** `dockyard acr show-usage -n R` (ARM GET listUsages) and `dockyard acr check-health [-n R]`. */
export function acrUsageCommands(acr: Command): void {
  leaf(
    acr
      .command('show-usage')
      .description('Get the storage usage and limits of an Azure Container Registry.')
      .option('-n, --name <name>')
      .option('-g, --resource-group <rg>'),
    async (ctx) => {
      const name = requireOpt(ctx.opts, 'name', '--name/-n');
      const reg = await findRegistry(
        ctx.client(),
        name,
        ctx.opts.resourceGroup as string | undefined,
        ctx.opts.subscription,
      );
      return ctx.client().request(`${String(reg.id)}/listUsages`, { query: { 'api-version': API.registries } });
    },
    usageTable,
  );
  leaf(
    acr
      .command('check-health')
      .description(
        'Get health information on the environment and optionally a target registry: server, local container engine, registry challenge and tokens.',
      )
      .option('-n, --name <name>', 'The registry to check connectivity to')
      .option('--ignore-errors', 'Keep checking after an error and exit 0')
      .option('-y, --yes', 'Do not prompt for confirmation'),
    checkHealth,
  );
}
