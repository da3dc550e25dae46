import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { startAgent } from '../agent/index.js';
import { createServerLogger } from '../shared/index.js';

/** Parses `dyap.<registry>.<pool>.<secret>` (what `acr agentpool credential` issues). */
export function parsePoolToken(token: string): { registry: string; pool: string } | null {
  const m = /^dyap\.([a-z0-9]{1,50})\.([A-Za-z0-9-]{3,20})\.[A-Za-z0-9_-]{20,}$/.exec(token);
  return m ? { registry: m[1], pool: m[2] } : null;
}

/** `dockyard agent --server <url> --pool <name> [--registry <r>] --token-file <f> [--data-dir d]` */
export async function runAgentCommand(args: string[]): Promise<void> {
  const cmd = new Command('agent')
    .description("Run a build agent of an agent pool: leases the pool's runs from the server and runs them here.")
    .requiredOption('--server <url>', 'the Dockyard API, e.g. https://dockyard.example:6443')
    .requiredOption('--pool <name>', 'the agent pool')
    .option('--registry <registry>', 'the registry of the pool (default: the one in the credential)')
    .requiredOption('--token-file <file>', 'the pool credential (dockyard acr agentpool credential --token-file)')
    .option('--data-dir <dir>', "the agent's data dir: its own dockerd data root, work copies, logs")
    .option('--docker-host <socket>', 'use this docker daemon instead of a private one')
    .option('--engine-userns <mode>', 'remap (default) | off', 'remap')
    .option('--log-level <level>', 'trace | debug | info | warn | error', 'info')
    .option('--log-format <format>', 'auto | json | pretty', 'auto');
  cmd.parse(args, { from: 'user' });
  const o = cmd.opts();
  const file = String(o.tokenFile);
  if ((statSync(file).mode & 0o077) !== 0)
    process.stderr.write(`warning: ${file} is readable by other users; chmod 600 it\n`);
  const token = readFileSync(file, 'utf8').trim();
  const parsed = parsePoolToken(token);
  const registry = (o.registry as string | undefined) ?? parsed?.registry;
  if (!registry) throw new Error('--registry is required (the credential does not name one)');
  if (
    parsed &&
    (parsed.pool.toLowerCase() !== String(o.pool).toLowerCase() || parsed.registry !== registry.toLowerCase())
  )
    throw new Error(`the credential is for pool '${parsed.pool}' of registry '${parsed.registry}'`);
  const log = await createServerLogger(String(o.logLevel), o.logFormat);
  const agent = await startAgent({
    server: String(o.server),
    registry,
    pool: String(o.pool),
    token,
    dataDir: (o.dataDir as string | undefined) ?? join(homedir(), '.dockyard-agent', `${registry}-${String(o.pool)}`),
    dockerHost: o.dockerHost as string | undefined,
    userns: o.engineUserns === 'off' ? 'off' : 'remap',
    log,
  });
  process.stdout.write(
    `Dockyard agent for pool ${String(o.pool)} of ${registry} is ready (server ${String(o.server)})\n`,
  );
  const shutdown = async (signal: string) => {
    process.stdout.write(`\nReceived ${signal}, stopping the agent...\n`);
    await agent.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
