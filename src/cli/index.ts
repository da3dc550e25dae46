export { runCli, buildProgram, registerCommands, type CommandFactory } from './program.js';
export { CliError } from './errors.js';
export { formatOutput, formatTsv, formatTable, applyQuery, autoTable, type OutputFormat } from './output.js';
export { ApiClient } from './client.js';
export { provideTaskFileEngine, type TaskFileEvaluator, type TaskFileRequestBody } from './local-engine.js';
