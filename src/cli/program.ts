import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { agentCommandStub, backupCommandStubs, completionCommand, serveCommandStub } from './commands/completion.js';

/**
 * Top-level command groups, loaded on demand: `dockyard acr show` imports only the acr commands (start-up time is
 * mostly module loading); a loader gets the words after its name (acr imports only the subgroups they can use).
 * Order = the order `dockyard --help` lists them. `about` is the group's description: `dockyard --help` lists a group
 * by it without loading the group (test/unit/cli/lazy-commands.test.ts checks it against the loaded group); groups
 * without one (they have options, which the list shows) are loaded.
 */
const GROUPS: Array<[name: string, load: (args?: string[]) => Promise<Command>, about?: string]> = [
  ['group', async () => (await import('./commands/group.js')).groupCommands(), 'Manage resource groups.'],
  [
    'acr',
    async (args) => (await import('./commands/acr.js')).acrCommands(args),
    'Manage private registries with Azure Container Registries.',
  ],
  ['identity', async () => (await import('./commands/identity.js')).identityCommands(), 'Managed Identities.'],
  [
    'role',
    async () => (await import('./commands/role.js')).roleCommands(),
    'Manage Azure role-based access control (Azure RBAC).',
  ],
  ['login', async () => (await import('./commands/login.js')).loginCommand()],
  ['logout', async () => (await import('./commands/login.js')).logoutCommand()],
  [
    'account',
    async () => (await import('./commands/account.js')).accountCommands(),
    'Manage Dockyard subscription information.',
  ],
  [
    'keyvault',
    async () => (await import('./commands/keyvault.js')).keyvaultCommands(),
    'Manage KeyVault keys, secrets, and certificates.',
  ],
  [
    'ad',
    async () => (await import('./commands/ad.js')).adCommands(),
    'Manage the Dockyard directory (service principals).',
  ],
  [
    'tls',
    async () => (await import('./commands/tls.js')).tlsCommands(),
    "Dockyard's local certificate authority (login servers by name over TLS).",
  ],
  ['az-cloud', async () => (await import('./commands/az-cloud.js')).azCloudCommand()],
];

/** The groups as `dockyard --help` lists them: a described group as a stub (name and description), others loaded. */
function groupStubs(): Promise<Command[]> {
  return Promise.all(GROUPS.map(([name, load, about]) => (about ? new Command(name).description(about) : load())));
}

/** Extra command groups registered by other files (e.g. `role`, `keyvault`, `acr task`). */
export type CommandFactory = (program: Command) => void;
const extensions: CommandFactory[] = [];
export function registerCommands(factory: CommandFactory): void {
  extensions.push(factory);
}

/**
 * The program for `argv`: when it starts with a group's name, a program holding just that group (built for the words
 * that follow; parsing, help and errors are the same). Otherwise (`dockyard --help`, an unknown command) the groups
 * are stubs: only `completion` and `help <command>` need every group's commands. Without `argv`: the whole program.
 */
export async function buildProgram(argv?: string[]): Promise<Command> {
  const program = new Command('dockyard')
    .description('Dockyard: a self-hosted Azure Container Registry. The az commands you know, with dockyard for az.')
    .version('0.1.0')
    .showHelpAfterError(false);
  const only = GROUPS.find(([name]) => name === argv?.[0]);
  const whole = !argv || argv[0] === 'completion' || (argv[0] === 'help' && argv.length > 1);
  const groups = only
    ? [await only[1](argv!.slice(1))]
    : whole
      ? await Promise.all(GROUPS.map(([, load]) => load()))
      : await groupStubs();
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
