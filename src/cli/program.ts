import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';
import { groupCommands } from './commands/group.js';
import { acrCommands } from './commands/acr.js';
import { identityCommands } from './commands/identity.js';
import { roleCommands } from './commands/role.js';
import { loginCommand, logoutCommand } from './commands/login.js';
import { accountCommands } from './commands/account.js';
import { keyvaultCommands } from './commands/keyvault.js';
import { adCommands } from './commands/ad.js';
import { completionCommand, serveCommandStub } from './commands/completion.js';

/** Extra command groups registered by other files (e.g. `role`, `keyvault`, `acr task`). */
export type CommandFactory = (program: Command) => void;
const extensions: CommandFactory[] = [];
export function registerCommands(factory: CommandFactory): void {
  extensions.push(factory);
}

export function buildProgram(): Command {
  const program = new Command('dockyard')
    .description('Dockyard: a self-hosted Azure Container Registry. The az commands you know, with dockyard for az.')
    .version('0.1.0')
    .showHelpAfterError(false);
  program.addCommand(groupCommands());
  program.addCommand(acrCommands());
  program.addCommand(identityCommands());
  program.addCommand(roleCommands());
  program.addCommand(loginCommand());
  program.addCommand(logoutCommand());
  program.addCommand(accountCommands());
  program.addCommand(keyvaultCommands());
  program.addCommand(adCommands());
  for (const f of extensions) f(program);
  program.addCommand(serveCommandStub());
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
  const program = buildProgram();
  applyExitOverride(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
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
