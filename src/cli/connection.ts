import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliError } from './errors.js';

export interface Connection {
  endpoint: string;
  /** Directory holding endpoint.json / admin.key when the server is local. */
  dataDir?: string;
}

/** Where the CLI keeps its own state (login profile, registry credentials). */
export const cliHome = (): string =>
  process.env.DOCKYARD_CONFIG_DIR ?? join(process.env.HOME ?? homedir(), '.dockyard');

/**
 * The server endpoint: DOCKYARD_ENDPOINT, else what `serve` wrote into its data dir (DOCKYARD_DATA_DIR, ./.dockyard),
 * else ~/.dockyard/endpoint.json.
 */
export function resolveConnection(env: NodeJS.ProcessEnv = process.env): Connection {
  const dirs = [env.DOCKYARD_DATA_DIR, './.dockyard', cliHome()]
    .filter((d): d is string => Boolean(d))
    .map((d) => resolve(d));
  if (env.DOCKYARD_ENDPOINT) {
    const dataDir = dirs.find((d) => existsSync(join(d, 'admin.key')));
    return { endpoint: env.DOCKYARD_ENDPOINT.replace(/\/+$/, ''), ...(dataDir ? { dataDir } : {}) };
  }
  for (const d of dirs) {
    const f = join(d, 'endpoint.json');
    if (existsSync(f)) {
      try {
        const j = JSON.parse(readFileSync(f, 'utf8')) as { endpoint: string };
        return { endpoint: j.endpoint, dataDir: d };
      } catch {
        /* try the next */
      }
    }
  }
  // A stored login (e.g. `login --identity` inside a container) remembers its endpoint.
  const profile = join(cliHome(), 'profile.json');
  if (existsSync(profile)) {
    try {
      return { endpoint: (JSON.parse(readFileSync(profile, 'utf8')) as { endpoint: string }).endpoint };
    } catch {
      /* fall through */
    }
  }
  throw new CliError(
    'CliConnection',
    'Could not find a running Dockyard server. Start one with "npm start" (dockyard serve) or set DOCKYARD_ENDPOINT.',
  );
}
