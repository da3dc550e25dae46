#!/usr/bin/env node
/** Entry point: `dockyard serve` starts the platform; every other command is the az-style client. */
const argv = process.argv.slice(2);
if (argv[0] === 'serve') {
  const { runServeCommand } = await import('./serve-command.js');
  await runServeCommand(argv.slice(1));
} else {
  const { runCli } = await import('../cli/index.js');
  process.exitCode = await runCli(argv);
}
