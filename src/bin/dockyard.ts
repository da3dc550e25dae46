#!/usr/bin/env node
/** Entry point: `dockyard serve` starts the platform; every other command is the az-style client. */
const argv = process.argv.slice(2);
if (argv[0] === 'serve') {
  const { capYoungGeneration } = await import('./young-generation.js');
  const letYoungGenerationGrow = capYoungGeneration();
  const { keepOldGenerationSlack } = await import('./old-generation.js');
  keepOldGenerationSlack();
  const { runServeCommand } = await import('./serve-command.js');
  await runServeCommand(argv.slice(1));
  letYoungGenerationGrow();
} else if (argv[0] === 'agent') {
  const { runAgentCommand } = await import('./agent-command.js');
  await runAgentCommand(argv.slice(1)).catch((err: Error) => {
    process.stderr.write(`ERROR: ${err.message}\n`);
    process.exit(1);
  });
} else if (argv[0] === 'backup' || argv[0] === 'restore') {
  const { runBackupCommand, runRestoreCommand } = await import('./backup-command.js');
  await (argv[0] === 'backup' ? runBackupCommand : runRestoreCommand)(argv.slice(1)).catch((err: Error) => {
    process.stderr.write(`ERROR: ${err.message}\n`);
    process.exit(1);
  });
} else {
  const { runCli, provideTaskFileEngine } = await import('../cli/index.js');
  // `acr task validate|render` with no server reachable: the server's task-file engine, loaded only then.
  provideTaskFileEngine(async () => {
    const { evaluateTaskFile, TaskFileRequestSchema } = await import('../tasks/spec/index.js');
    return (body, render) => evaluateTaskFile(TaskFileRequestSchema.parse(body), render);
  });
  const code = await runCli(argv);
  // Exit once the output is out instead of waiting for a natural exit, which first tears down the whole heap (~5–10 ms
  // of a command's CPU). An empty write's callback runs after everything written before it has been handed over.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', () => done(null)))));
  process.exit(code);
}
