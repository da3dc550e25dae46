import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { leaf } from '../command-kit.js';
import { resolveConnection } from '../connection.js';
import { CliError } from '../errors.js';

/** Debian's directory of local CA certificates that `update-ca-certificates` adds to the system store. */
const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';

function caFile(dataDir?: string): string {
  const dir = dataDir ?? resolveConnection().dataDir;
  if (!dir) throw new CliError('CliConnection', 'Run this on the machine that runs Dockyard, or pass --data-dir.');
  const f = join(resolve(dir), 'tls', 'ca.crt');
  if (!existsSync(f))
    throw new CliError(
      'CliConnection',
      `No local CA in ${dir}: start Dockyard with --login-server-suffix (it creates the CA on first start).`,
    );
  return f;
}

const installedName = (ca: string): string =>
  `dockyard-${createHash('sha256').update(readFileSync(ca)).digest('hex').slice(0, 12)}.crt`;

export function tlsCommands(): Command {
  const tls = new Command('tls').description(
    "Dockyard's local certificate authority (login servers by name over TLS).",
  );
  leaf(
    tls
      .command('trust')
      .description('Install the local CA into the system trust store (Debian: update-ca-certificates).')
      .option('--data-dir <dir>')
      .option('--remove', 'remove it again'),
    async (ctx) => {
      const ca = caFile(ctx.opts.dataDir as string | undefined);
      const target = join(LOCAL_CA_DIR, installedName(ca));
      const root = typeof process.getuid === 'function' && process.getuid() === 0;
      if (!root) {
        const how = ctx.opts.remove
          ? `sudo rm ${target} && sudo update-ca-certificates --fresh`
          : `sudo cp ${ca} ${target} && sudo update-ca-certificates`;
        ctx.info(
          `Installing into the system store needs root. Run:\n  ${how}\nor, for one tool only: REQUESTS_CA_BUNDLE=${ca} (az), --cert-dir (skopeo/podman), NODE_EXTRA_CA_CERTS=${ca} (node).`,
        );
        return { ca, installed: false, command: how };
      }
      if (ctx.opts.remove) rmSync(target, { force: true });
      else copyFileSync(ca, target);
      try {
        execFileSync('update-ca-certificates', ctx.opts.remove ? ['--fresh'] : [], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
      } catch (err) {
        throw new CliError(
          'CliTrustStore',
          `update-ca-certificates failed: ${(err as Error).message}. Is the ca-certificates package installed?`,
        );
      }
      ctx.info(
        ctx.opts.remove
          ? `Removed ${target} from the system store.`
          : `Installed ${target}; tools that use the system store (docker, skopeo, podman, curl, az) now trust Dockyard's login servers. Restart a running Docker daemon so it reloads the store.`,
      );
      return { ca, installed: !ctx.opts.remove, path: target };
    },
  );
  return tls;
}
