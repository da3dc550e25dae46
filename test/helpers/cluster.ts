import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { spawnServer, stopServer } from './server-process.js';
import { createTestDatabase } from './postgres.js';
import { startAzurite } from './azurite.js';
import { startHaproxy, type RunningHaproxy } from './haproxy.js';
import { cliFor } from './cli.js';
import { DOCKER_CERTS_DIR } from '../../src/app/engine-trust.js';
import { defaultExecRoot, unmountUnder } from '../../src/tasks/engine/index.js';

/**
 * The scaled topology on loopback (docs/deploy.md §2): PostgreSQL + Azurite + N `dockyard serve` nodes on 127.0.0.2,
 * 127.0.0.3, … (same ports, login servers by name, one master key, one TLS CA) behind haproxy (TCP mode) on 127.0.0.1
 * for the API port and the TLS port; agents are added with `startAgents`. Used by the cluster e2e test and the
 * scale-out bench.
 */
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'dockyard.js');

export interface ClusterNode {
  name: string;
  host: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  args: string[];
}

export interface ClusterAgent {
  dataDir: string;
  child: ChildProcess;
  output: () => string;
}

export interface ClusterOptions {
  root: string;
  apiPort: number;
  tlsPort: number;
  suffix: string;
  nodes?: number;
  leaseSeconds?: number;
  extraArgs?: string[];
}

export interface Cluster {
  nodes: ClusterNode[];
  agents: ClusterAgent[];
  lb: RunningHaproxy;
  /** The API through haproxy. */
  endpoint: string;
  /** PEM of the CA every node's certificate chains to (written to `caFile`). */
  ca: string;
  caFile: string;
  databaseUrl: string;
  cli: ReturnType<typeof cliFor>;
  /** Kills a node with SIGKILL (it stays dead until `restartNode`). */
  killNode(n: ClusterNode): Promise<void>;
  restartNode(n: ClusterNode): Promise<void>;
  /** Lets every agent's dockerd trust the CA for a login server (`<name>.<suffix>:<tlsPort>`). */
  trustForEngines(loginServer: string): void;
  startAgents(pool: string, registry: string, count: number): Promise<ClusterAgent[]>;
  killAgent(a: ClusterAgent): Promise<void>;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  return exited;
}

async function reapAgentDockerd(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'dockerd.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
  if (pid > 0 && existsSync(`/proc/${pid}`) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 200));
  }
  await unmountUnder([await defaultExecRoot(dataDir), dataDir]).catch(() => undefined);
}

/** Removes the hosts lines of this suffix a SIGKILLed node left behind (in place: /etc/hosts is often a bind mount). */
function cleanHosts(suffix: string): void {
  const cur = readFileSync('/etc/hosts', 'utf8');
  const next = cur
    .split('\n')
    .filter((l) => !l.includes(`.${suffix}\t`))
    .join('\n');
  if (next !== cur) writeFileSync('/etc/hosts', next);
}

export async function startCluster(o: ClusterOptions): Promise<Cluster> {
  const count = o.nodes ?? 2;
  const shared = join(o.root, 'shared');
  mkdirSync(shared, { recursive: true, mode: 0o700 });
  const keyFile = join(shared, 'master.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const databaseUrl = await createTestDatabase('cluster');
  const azurite = await startAzurite();
  const trusted: string[] = [];
  const nodes: ClusterNode[] = [];
  const agents: ClusterAgent[] = [];
  let lb: RunningHaproxy | undefined;
  const stop = async () => {
    await Promise.all(agents.map((a) => waitExit(a.child, 'SIGTERM')));
    for (const a of agents) await reapAgentDockerd(a.dataDir);
    await Promise.all(nodes.map((n) => stopServer(n.child)));
    await lb?.stop();
    cleanHosts(o.suffix);
    for (const ls of trusted) rmSync(join(DOCKER_CERTS_DIR, ls), { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const host = `127.0.0.${i + 2}`;
      const dataDir = join(o.root, `node${i + 1}`);
      // Every node gets the first node's local CA (docs/deploy.md: the same certificate authority on every node).
      if (i > 0) cpSync(join(nodes[0].dataDir, 'tls'), join(dataDir, 'tls'), { recursive: true });
      const args = [
        '--host',
        host,
        '--port',
        String(o.apiPort),
        '--tls-port',
        String(o.tlsPort),
        '--engine',
        'none',
        '--database',
        databaseUrl,
        '--blob-store',
        'azure',
        '--blob-container',
        'dockyard',
        '--secret-key-file',
        keyFile,
        '--login-server-suffix',
        o.suffix,
        '--manage-hosts',
        '--agent-lease-seconds',
        String(o.leaseSeconds ?? 30),
        ...(o.extraArgs ?? []),
      ];
      const node: ClusterNode = { name: `node${i + 1}`, host, dataDir, args, child: null!, output: () => '' };
      Object.assign(node, await spawnNode(dataDir, args, azurite.connectionString));
      nodes.push(node);
    }
    const backends = (port: number) => nodes.map((n) => ({ host: n.host, port }));
    lb = await startHaproxy([
      { name: 'api', listen: { host: '127.0.0.1', port: o.apiPort }, backends: backends(o.apiPort) },
      { name: 'tls', listen: { host: '127.0.0.1', port: o.tlsPort }, backends: backends(o.tlsPort) },
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  const ca = readFileSync(join(nodes[0].dataDir, 'tls', 'ca.crt'), 'utf8');
  const caFile = join(shared, 'ca.crt');
  writeFileSync(caFile, ca);
  const endpoint = `http://127.0.0.1:${o.apiPort}`;
  const cli = cliFor(nodes[0].dataDir, { DOCKYARD_ENDPOINT: endpoint, NODE_EXTRA_CA_CERTS: caFile });
  return {
    nodes,
    agents,
    lb: lb!,
    endpoint,
    ca,
    caFile,
    databaseUrl,
    cli,
    killNode: (n) => waitExit(n.child, 'SIGKILL'),
    async restartNode(n) {
      await waitExit(n.child, 'SIGTERM');
      Object.assign(n, await spawnNode(n.dataDir, n.args, azurite.connectionString));
    },
    trustForEngines(loginServer) {
      const d = join(DOCKER_CERTS_DIR, loginServer);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'ca.crt'), ca, { mode: 0o644 });
      trusted.push(loginServer);
    },
    async startAgents(pool, registry, n) {
      const tokenFile = join(o.root, `${registry}-${pool}.token`);
      // Issuing a credential replaces the pool's previous one: agents added later share the first one's file.
      if (!existsSync(tokenFile)) {
        const c = await cli('acr', 'agentpool', 'credential', '-n', pool, '-r', registry, '--token-file', tokenFile);
        if (c.code !== 0) throw new Error(`agentpool credential: ${c.stderr}`);
      }
      const base = agents.length;
      const spawned = Array.from({ length: n }, (_, i) =>
        spawnAgent(endpoint, pool, tokenFile, join(o.root, `agent${base + i + 1}`), caFile),
      );
      // Recorded before they are ready, so `stop` ends them even if one never gets there.
      agents.push(...spawned.map((s) => s.agent));
      await Promise.all(spawned.map((s) => s.ready));
      return spawned.map((s) => s.agent);
    },
    // Its dockerd (and the run's containers) stay behind as after a real crash; `stop` reaps them.
    killAgent: (a) => waitExit(a.child, 'SIGKILL'),
    stop,
  };
}

async function spawnNode(dataDir: string, args: string[], blobConnectionString: string) {
  // The connection string through the environment, not argv (docs/deploy.md); Azurite's is a public dev key anyway.
  process.env.DOCKYARD_BLOB_CONNECTION_STRING = blobConnectionString;
  return spawnServer(dataDir, args);
}

function spawnAgent(
  server: string,
  pool: string,
  tokenFile: string,
  dataDir: string,
  caFile: string,
): { agent: ClusterAgent; ready: Promise<void> } {
  const child = spawn(
    process.execPath,
    [BIN, 'agent', '--server', server, '--pool', pool, '--token-file', tokenFile, '--data-dir', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', NODE_EXTRA_CA_CERTS: caFile } },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const agent = { dataDir, child, output: () => out };
  const ready = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent did not start:\n${out}`)), 300_000);
    child.stdout!.on('data', () => {
      if (/agent for pool \S+ of \S+ is ready/.test(out)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`agent exited with ${code}:\n${out}`));
    });
  });
  return { agent, ready };
}
