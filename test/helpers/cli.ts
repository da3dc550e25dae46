import { spawn } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dockyard.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `dockyard` CLI as a child process against a server's data dir. */
export function runDockyard(
  args: string[],
  env: Record<string, string | undefined> = {},
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NODE_OPTIONS: '', DOCKYARD_ENDPOINT: undefined, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/** A CLI bound to one server: `cli('acr', 'show', '-n', 'x')`. */
export function cliFor(dataDir: string, extraEnv: Record<string, string | undefined> = {}) {
  return (...args: string[]) =>
    runDockyard(args, { DOCKYARD_DATA_DIR: dataDir, DOCKYARD_CONFIG_DIR: join(dataDir, 'cli-home'), ...extraEnv });
}
