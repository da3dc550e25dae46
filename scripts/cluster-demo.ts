// The scaled topology on this machine, for trying it out (docs/deploy.md §2): a private PostgreSQL 15, Azurite, two
// `dockyard serve` nodes (127.0.0.2, 127.0.0.3; same ports; login servers by name; one master key, one CA) behind
// haproxy (TCP mode) on 127.0.0.1, and optionally build agents in one pool — all in a temp dir, all stopped on Ctrl-C.
// Usage: scripts/cluster-demo.sh [--agents N] [--api-port 16080] [--tls-port 16081] [--suffix cluster.test]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '0' },
    'api-port': { type: 'string', default: '16080' },
    'tls-port': { type: 'string', default: '16081' },
    suffix: { type: 'string', default: 'cluster.test' },
  },
});
const agents = Number(values.agents);
const root = mkdtempSync(join(tmpdir(), 'dockyard-cluster-demo-'));
let cluster: Cluster | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stdout.write('\nStopping the agents, the nodes, haproxy, Azurite and PostgreSQL…\n');
    await cluster?.stop().catch((err: Error) => process.stderr.write(`${err.message}\n`));
    rmSync(root, { recursive: true, force: true });
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  process.stdout.write(`Starting PostgreSQL, Azurite, 2 API nodes and haproxy in ${root} …\n`);
  cluster = await startCluster({
    root,
    apiPort: Number(values['api-port']),
    tlsPort: Number(values['tls-port']),
    suffix: values.suffix!,
  });
  const node1 = cluster.nodes[0].dataDir;
  const env = `DOCKYARD_ENDPOINT=${cluster.endpoint} DOCKYARD_DATA_DIR=${node1} NODE_EXTRA_CA_CERTS=${cluster.caFile}`;
  if (agents > 0) {
    const ok = async (...args: string[]) => {
      const r = await cluster!.cli(...args);
      if (r.code !== 0) throw new Error(`dockyard ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await ok('group', 'create', '-n', 'demo-rg', '-l', 'eastus');
    const ls = JSON.parse(await ok('acr', 'create', '-g', 'demo-rg', '-n', 'demoregistry', '--sku', 'Premium'));
    cluster.trustForEngines(ls.loginServer);
    await ok('acr', 'agentpool', 'create', '-n', 'builders', '-r', 'demoregistry', '--count', String(agents));
    process.stdout.write(`Starting ${agents} agent(s) (each its own dockerd; the first start takes a minute) …\n`);
    await cluster.startAgents('builders', 'demoregistry', agents);
  }
  process.stdout.write(
    [
      '',
      'Dockyard cluster is up:',
      `  API (haproxy → 127.0.0.2, 127.0.0.3): ${cluster.endpoint}`,
      `  login servers:  <registry>.${values.suffix}:${values['tls-port']} (haproxy, TLS passed through; /etc/hosts entries)`,
      `  metadata:       PostgreSQL 15 (private cluster, unix socket in a temp dir)`,
      `  blobs:          Azurite (container "dockyard")`,
      `  admin key:      ${join(node1, 'admin.key')} (the same on both nodes)`,
      `  CA certificate: ${cluster.caFile}`,
      agents > 0
        ? `  agents:         ${agents} in pool "builders" of registry demoregistry (use --agent-pool builders)`
        : '  agents:         none (start with --agents 2 for a build pool)',
      '',
      'Use it (CLI through the balancer):',
      `  export ${env}`,
      '  npx dockyard group create -n rg -l eastus && npx dockyard acr create -g rg -n myregistry --sku Premium',
      agents > 0
        ? "  npx dockyard acr run -r demoregistry --agent-pool builders --cmd 'busybox echo hello' /dev/null"
        : '',
      'The Azure CLI:',
      `  ${env} npx dockyard az-cloud --register`,
      '',
      'Ctrl-C stops everything and removes the temp dir.',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n') + '\n',
  );
} catch (err) {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  await shutdown(1);
}
// Keeps running until Ctrl-C.
setInterval(() => undefined, 1 << 30);
