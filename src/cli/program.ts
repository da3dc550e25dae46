import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { agentCommandStub, backupCommandStubs, completionCommand, serveCommandStub } from './commands/completion.js';

/**
 * Top-level command groups, loaded on demand: `dockyard acr show` imports only the acr commands (start-up time is
 * mostly module loading). Order = the order `dockyard --help` lists them.
 */
const GROUPS: Array<[name: string, load: () => Promise<Command>]> = [
  ['group', async () => (await import('./commands/group.js')).groupCommands()],
  ['acr', async () => (await import('./commands/acr.js')).acrCommands()],
  ['identity', async () => (await import('./commands/identity.js')).identityCommands()],
  ['role', async () => (await import('./commands/role.js')).roleCommands()],
  ['login', async () => (await import('./commands/login.js')).loginCommand()],
  ['logout', async () => (await import('./commands/login.js')).logoutCommand()],
  ['account', async () => (await import('./commands/account.js')).accountCommands()],
  ['keyvault', async () => (await import('./commands/keyvault.js')).keyvaultCommands()],
  ['ad', async () => (await import('./commands/ad.js')).adCommands()],
  ['tls', async () => (await import('./commands/tls.js')).tlsCommands()],
  ['az-cloud', async () => (await import('./commands/az-cloud.js')).azCloudCommand()],
];

/** Extra command groups registered by other files (e.g. `role`, `keyvault`, `acr task`). */
export type CommandFactory = (program: Command) => void;
const extensions: CommandFactory[] = [];
export function registerCommands(factory: CommandFactory): void {
  extensions.push(factory);
}

/**
 * The whole program, or — when `argv` starts with a known group name — a program holding just that group (its
 * parsing, help and errors are the same; only `dockyard --help` and unknown commands need every group).
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('dockyard')
    .description('Dockyard: a self-hosted Azure Container Registry. The az commands you know, with dockyard for az.')
    .version('0.1.0')
    .showHelpAfterError(false);
  const only = GROUPS.find(([name]) => name === argv[0]);
  const groups = await Promise.all((only ? [only] : GROUPS).map(([, load]) => load()));
  for (const g of groups) program.addCommand(g);
  for (const f of extensions) f(program);
  program.addCommand(serveCommandStub());
  program.addCommand(agentCommandStub());
  for (const c of backupCommandStubs()) program.addCommand(c);
  program.addCommand(completionCommand());
  return program;
}

function applyExitOverride(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const sub of cmd.commands) applyExitOverride(sub);
}

/** Runs the CLI; returns the exit code (0 ok, 1 error, 2 usage). */
export async function runCli(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  applyExitOverride(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help')
        return 0;
      return 2;
    }
    if (err instanceof CliError) {
      process.stderr.write(`ERROR: (${err.code}) ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`ERROR: ${(err as Error).message}\n`);
    if (process.env.DOCKYARD_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}
