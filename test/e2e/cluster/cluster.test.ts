// Issue 15 "Done when": the scaled topology on loopback — PostgreSQL + Azurite + 2 API nodes (127.0.0.2, 127.0.0.3;
// same ports, login servers by name, one master key, one CA) behind haproxy (TCP mode, 127.0.0.1) + 2 agents in one
// pool (each its own dockerd data root). Seed walkthrough A through the balancer on the pool; a push alternating
// between nodes; a timer trigger firing once per occurrence; SIGKILL of an agent mid-run; SIGKILL of a node mid-push.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../../helpers/cluster.js';
import { registryRequest, sha, type RegistryTarget } from './registry-http.js';
import { alternatingPush, pushAcrossNodeKill } from './pushes.js';
import { seedAOnPool } from './seed-a-on-pool.js';

const SUFFIX = 'cluster-e2e.test';
const LEASE_S = 6;
const ADMIN_OID = '00000000-0000-0000-0000-00000000ad01';
const API = 'subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries';

async function ok(p: Promise<{ code: number; stdout: string; stderr: string }>): Promise<any> {
  const r = await p;
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
}

test(
  'the cluster: 2 nodes behind haproxy, PostgreSQL, Azurite, 2 agents in one pool',
  { timeout: 840_000 },
  async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'dy-cluster-e2e-'));
    const box: { c?: Cluster } = {};
    t.after(async () => {
      await box.c?.stop();
      rmSync(root, { recursive: true, force: true });
    });
    const cl = (box.c = await startCluster({
      root,
      apiPort: 16000,
      tlsPort: 16001,
      suffix: SUFFIX,
      leaseSeconds: LEASE_S,
    }));
    const cli = cl.cli;
    const adminKey = readFileSync(join(cl.nodes[0].dataDir, 'admin.key'), 'utf8').trim();
    const { subscriptionId } = JSON.parse(readFileSync(join(cl.nodes[0].dataDir, 'endpoint.json'), 'utf8'));
    const arm = async (base: string, path: string) => {
      const r = await fetch(`${base}/${API.replace('{sub}', subscriptionId)}/${path}`, {
        headers: { authorization: `DockyardKey ${adminKey}` },
      });
      assert.equal(r.status, 200, await r.clone().text());
      return (await r.json()) as any;
    };
    const runOf = (id: string, base = cl.endpoint) => arm(base, `myregistry/runs/${id}?api-version=2019-06-01-preview`);
    const logs = () =>
      [
        ...cl.nodes.map((n) => `${n.name}:\n${n.output().slice(-2500)}`),
        ...cl.agents.map((a) => a.output().slice(-2500)),
      ]
        .join('\n')
        .slice(-9000);

    await ok(cli('group', 'create', '-n', 'rg', '-l', 'eastus'));
    const login: Record<string, string> = {};
    for (const r of ['myregistry', 'customregistry1', 'customregistry2']) {
      login[r] = (await ok(cli('acr', 'create', '-g', 'rg', '-n', r, '--sku', 'Premium'))).loginServer;
      assert.equal(login[r], `${r}.${SUFFIX}:16001`);
      cl.trustForEngines(login[r]);
    }
    await ok(cli('acr', 'agentpool', 'create', '-n', 'builders', '-r', 'myregistry', '--count', '2'));
    // The timer task is created first, so its occurrences fall while everything else runs.
    await ok(
      cli(
        'acr',
        'task',
        'create',
        '-r',
        'myregistry',
        '-n',
        'ticktask',
        '-c',
        '/dev/null',
        '--cmd',
        'busybox echo tick',
        '--schedule',
        '* * * * *',
        '--agent-pool',
        'builders',
      ),
    );
    const agents = await cl.startAgents('builders', 'myregistry', 2);
    for (const a of agents)
      assert.match(
        readFileSync(`/proc/${readFileSync(join(a.dataDir, 'dockerd.pid'), 'utf8').trim()}/cmdline`, 'utf8'),
        new RegExp(`${a.dataDir}/docker`),
      );
    const target = (address: string, registry = 'myregistry'): RegistryTarget => ({
      address,
      loginServer: login[registry],
      ca: cl.ca,
      auth: `Basic ${Buffer.from(`${ADMIN_OID}:${adminKey}`).toString('base64')}`,
    });

    await t.test('seed walkthrough A through the load balancer, its task on the agent pool', async () => {
      const runId = await seedAOnPool({ cli, login, root, caFile: cl.caFile, logs });
      const run = await runOf(runId);
      assert.equal(run.status, 'Succeeded');
      assert.equal(run.agentPoolName, 'builders');
    });

    let committed: { repo: string; manifest: Buffer; blobs: Buffer[] } | undefined;
    await t.test('a push whose requests alternate between the nodes, pulled back byte for byte', async () => {
      committed = await alternatingPush(target('127.0.0.2'), target('127.0.0.3'), target('127.0.0.1'));
    });

    await t.test('a timer trigger fires exactly once per occurrence with both nodes up (PostgreSQL)', async () => {
      const ticks = async (base: string) =>
        ((await arm(base, `myregistry/runs?api-version=2019-06-01-preview`)).value as any[]).filter(
          (x) => x.task === 'ticktask',
        );
      const end = Date.now() + 90_000;
      while ((await ticks(cl.endpoint)).length === 0) {
        assert.ok(Date.now() < end, `no timer run within 90 s\n${logs()}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      // Both nodes tick every second: a duplicate would show up within a few.
      await new Promise((r) => setTimeout(r, 4000));
      const [onA, onB] = [await ticks('http://127.0.0.2:16000'), await ticks('http://127.0.0.3:16000')];
      assert.deepEqual(onB.map((x) => x.name).sort(), onA.map((x) => x.name).sort());
      const occurrences = onA.map((x) => x.timerTrigger?.scheduleOccurrence);
      assert.ok(
        occurrences.every((o) => typeof o === 'string'),
        JSON.stringify(onA),
      );
      assert.equal(new Set(occurrences).size, onA.length, `one run per occurrence: ${JSON.stringify(occurrences)}`);
      await ok(cli('acr', 'task', 'delete', '-r', 'myregistry', '-n', 'ticktask', '--yes'));
    });

    await t.test(
      'SIGKILL of an agent mid-run: the run ends Failed with the lost-agent reason within the lease',
      async () => {
        const q = await cli(
          'acr',
          'run',
          '-r',
          'myregistry',
          '--cmd',
          'busybox sleep 300',
          '/dev/null',
          '--agent-pool',
          'builders',
          '--no-wait',
          '--query',
          'runId',
          '-o',
          'tsv',
        );
        assert.equal(q.code, 0, q.stderr);
        const runId = q.stdout.trim();
        let run = await runOf(runId);
        for (let i = 0; i < 600 && run.status !== 'Running'; i++) {
          await new Promise((r) => setTimeout(r, 200));
          run = await runOf(runId);
        }
        assert.equal(run.status, 'Running', logs());
        const holder = cl.agents.find((a) => a.output().includes(runId));
        assert.ok(holder, 'one agent logged the lease');
        const killedAt = Date.now();
        await cl.killAgent(holder);
        while (run.status === 'Running' && Date.now() - killedAt < 60_000) {
          await new Promise((r) => setTimeout(r, 250));
          run = await runOf(runId);
        }
        const took = (Date.now() - killedAt) / 1000;
        assert.equal(run.status, 'Failed');
        assert.match(
          run.runErrorMessage,
          new RegExp(`of agent pool 'builders' stopped sending heartbeats \\(none for ${LEASE_S} s\\)`),
        );
        // Bound: lease + one sweep (+ slack for this loaded 2-core machine: the reaper's sweep and our 250 ms polls).
        assert.ok(took <= LEASE_S + 5, `failed ${took.toFixed(1)} s after the kill (lease ${LEASE_S} s)`);
        process.stderr.write(
          `cluster: agent lost, run failed ${took.toFixed(1)} s after SIGKILL (lease ${LEASE_S} s)\n`,
        );
        // The pool keeps working on the other agent.
        const again = await cli(
          'acr',
          'run',
          '-r',
          'myregistry',
          '--cmd',
          'busybox echo still-here',
          '/dev/null',
          '--agent-pool',
          'builders',
        );
        assert.equal(again.code, 0, `${again.stderr}\n${logs()}`);
        assert.match(again.stdout, /still-here/);
      },
    );

    await t.test(
      'SIGKILL of an API node mid-push: nothing committed is lost, the push completes on the other',
      async () => {
        assert.ok(committed, 'the alternating push ran');
        await pushAcrossNodeKill({
          victim: target('127.0.0.3'),
          balancer: target('127.0.0.1'),
          kill: () => cl.killNode(cl.nodes[1]),
          committed,
        });
        // haproxy's health check marks the dead node down (and the API port's backend too).
        const end = Date.now() + 10_000;
        while (!/tls_nodes\/node2 is DOWN/.test(cl.lb.output()) && Date.now() < end)
          await new Promise((r) => setTimeout(r, 200));
        assert.match(cl.lb.output(), /tls_nodes\/node2 is DOWN/);
        assert.match(cl.lb.output(), /api_nodes\/node2 is DOWN/);
        // And the API keeps answering through the balancer.
        for (let i = 0; i < 4; i++)
          assert.ok(Array.isArray((await arm(cl.endpoint, 'myregistry/runs?api-version=2019-06-01-preview')).value));
        const blob = committed.blobs[0];
        const got = await registryRequest(target('127.0.0.1'), 'GET', `/v2/${committed.repo}/blobs/${sha(blob)}`);
        assert.equal(got.status, 200);
        assert.ok(got.body.equals(blob));
      },
    );
  },
);
