// Quick-run sources and run logs across two real `dockyard serve` processes on ONE database and ONE blob directory
// (same master key, login servers by name, engine none), each on its own ports: an upload URL handed out by node A
// takes the archive through node B's blob host (Put Block + Put Block List, and Put Blob) — also after node A
// restarted — a run scheduled on node A finds it, an agent reads it from the other node, and the server run's log
// is read on both nodes through the log SAS URL, the API origin and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnServer, stopServer } from '../../helpers/server-process.js';
import { cliFor } from '../../helpers/cli.js';
import { createTestDatabase, testOnPostgres } from '../../helpers/postgres.js';
import { trustLocalCa } from '../../../src/shared/index.js';

const SUFFIX = 'runs-cluster.test';
const V = 'api-version=2019-06-01-preview';

interface Node {
  child: ChildProcess;
  output: () => string;
  dataDir: string;
  args: string[];
  /** http://127.0.0.1:<port> */
  endpoint: string;
  /** The TLS port (blob host, login servers by name). */
  tlsPort: number;
}

const root = mkdtempSync(join(tmpdir(), 'dy-cluster-runs-'));
const shared = join(root, 'shared');
mkdirSync(shared, { recursive: true, mode: 0o700 });
const masterKey = join(shared, 'master.key');
writeFileSync(masterKey, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });

async function start(dataDir: string, args: string[]): Promise<Node> {
  const { child, output } = await spawnServer(dataDir, args);
  const info = JSON.parse(readFileSync(join(dataDir, 'endpoint.json'), 'utf8')) as {
    endpoint: string;
    tlsEndpoint: string;
  };
  return { child, output, dataDir, args, endpoint: info.endpoint, tlsPort: Number(new URL(info.tlsEndpoint).port) };
}

/** The same URL on another node's TLS port (the blob host's name resolves to 127.0.0.1 in this process). */
const on = (url: string, n: Node) => {
  const u = new URL(url);
  u.port = String(n.tlsPort);
  return u.toString();
};

test('quick-run sources and run logs work whichever node a request lands on', { timeout: 300_000 }, async (t) => {
  const database = testOnPostgres() ? await createTestDatabase('runs2') : join(shared, 'dockyard.db');
  const args = [
    '--engine',
    'none',
    '--database',
    database,
    '--blob-dir',
    join(shared, 'blobs'),
    '--secret-key-file',
    masterKey,
    '--login-server-suffix',
    SUFFIX,
    '--tls-port',
    '0',
  ];
  const nodes: Node[] = [];
  t.after(async () => {
    for (const n of nodes) await stopServer(n.child);
    rmSync(root, { recursive: true, force: true });
  });
  let a = await start(join(root, 'a'), args);
  nodes.push(a);
  // One certificate authority for both (docs/deploy.md), as the cluster helper does.
  cpSync(join(a.dataDir, 'tls'), join(root, 'b', 'tls'), { recursive: true });
  const b = await start(join(root, 'b'), args);
  nodes.push(b);
  await trustLocalCa(readFileSync(join(a.dataDir, 'tls', 'ca.crt'), 'utf8'), SUFFIX);
  const logs = () => `node A:\n${a.output().slice(-3000)}\nnode B:\n${b.output().slice(-3000)}`;

  const key = readFileSync(join(a.dataDir, 'admin.key'), 'utf8').trim();
  const { subscriptionId } = JSON.parse(readFileSync(join(a.dataDir, 'endpoint.json'), 'utf8'));
  const api = async (n: Node, path: string, method = 'GET', body?: unknown) => {
    const r = await fetch(`${n.endpoint}${path}`, {
      method,
      headers: {
        authorization: `DockyardKey ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, text, json: text ? JSON.parse(text) : undefined };
  };
  assert.equal(
    (
      await api(a, `/subscriptions/${subscriptionId}/resourcegroups/rg?api-version=2022-09-01`, 'PUT', {
        location: 'eastus',
      })
    ).status,
    201,
  );
  const regPath = `/subscriptions/${subscriptionId}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/runsreg`;
  const reg = await api(a, `${regPath}?api-version=2025-04-01`, 'PUT', {
    location: 'eastus',
    sku: { name: 'Premium' },
  });
  assert.ok(reg.status < 300, reg.text);
  const uploadUrl = async (n: Node) => {
    const r = await api(n, `${regPath}/listBuildSourceUploadUrl?${V}`, 'POST');
    assert.equal(r.status, 200, r.text);
    return r.json as { uploadUrl: string; relativePath: string };
  };

  const ctx = join(root, 'ctx');
  mkdirSync(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM hello-world\n');
  writeFileSync(join(ctx, 'payload.bin'), randomBytes(300_000));
  execFileSync('tar', ['-czf', join(root, 'ctx.tar.gz'), '-C', ctx, '.']);
  const archive = readFileSync(join(root, 'ctx.tar.gz'));

  // Blocks through node B's blob host (one through A), the list committed on B: the URL was signed by A.
  const blocks = await uploadUrl(a);
  const id = (n: number) => encodeURIComponent(Buffer.from(`block-${n}`).toString('base64'));
  const cut = Math.floor(archive.length / 3);
  const parts = [archive.subarray(0, cut), archive.subarray(cut, 2 * cut), archive.subarray(2 * cut)];
  for (const [i, n] of [b, a, b].entries()) {
    const r = await fetch(on(`${blocks.uploadUrl}&comp=block&blockid=${id(i)}`, n), { method: 'PUT', body: parts[i] });
    assert.equal(r.status, 201, `block ${i}: ${await r.text()}\n${logs()}`);
  }
  const list = `<?xml version='1.0' encoding='utf-8'?><BlockList>${[0, 1, 2].map((i) => `<Latest>${Buffer.from(`block-${i}`).toString('base64')}</Latest>`).join('')}</BlockList>`;
  const committed = await fetch(on(`${blocks.uploadUrl}&comp=blocklist`, b), { method: 'PUT', body: list });
  assert.equal(committed.status, 201, await committed.text());
  const again = await fetch(on(blocks.uploadUrl, a), {
    method: 'PUT',
    body: 'x',
    headers: { 'x-ms-blob-type': 'BlockBlob' },
  });
  assert.equal(again.status, 409, 'single use on every node');

  // An upload URL signed before node A restarted still works (the SAS key is installation-wide, not per process).
  const whole = await uploadUrl(a);
  await stopServer(a.child);
  a = await start(a.dataDir, a.args);
  nodes[0] = a;
  for (const n of [a, b]) {
    const r = await fetch(on(whole.uploadUrl, n), {
      method: 'PUT',
      body: archive,
      headers: { 'x-ms-blob-type': 'BlockBlob' },
    });
    assert.equal(r.status, n === a ? 201 : 409, `${n === a ? 'A' : 'B'}: ${await r.text()}\n${logs()}`);
  }

  // A quick run scheduled on node A with the archive node B received: the server's run (engine none) fails, and its
  // log is read on both nodes (one of them did not run it).
  const scheduled = await api(a, `${regPath}/scheduleRun?${V}`, 'POST', {
    type: 'DockerBuildRequest',
    sourceLocation: blocks.relativePath,
    dockerFilePath: 'Dockerfile',
    imageNames: ['x:v1'],
    isPushEnabled: false,
    platform: { os: 'linux' },
  });
  assert.equal(scheduled.status, 200, `${scheduled.text}\n${logs()}`);
  const runId = scheduled.json.runId as string;
  const end = Date.now() + 60_000;
  for (;;) {
    const r = await api(b, `${regPath}/runs/${runId}?${V}`);
    if (['Succeeded', 'Failed', 'Error', 'Canceled', 'Timeout'].includes(r.json.status)) break;
    assert.ok(Date.now() < end, `run did not end: ${r.text}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const link = (await api(b, `${regPath}/runs/${runId}/listLogSasUrl?${V}`, 'POST')).json.logLink as string;
  const expected = new RegExp(`No container engine is configured[\\s\\S]*Run ID: ${runId} failed after \\d+s`);
  for (const n of [a, b]) {
    const got = await fetch(on(link, n));
    assert.equal(got.status, 200, `log on ${n === a ? 'A' : 'B'}\n${logs()}`);
    assert.equal(got.headers.get('x-ms-meta-complete'), 'failed');
    assert.match(await got.text(), expected);
    const followed = await fetch(`${on(link, n)}&follow=1`);
    assert.match(await followed.text(), expected);
    // The dashboard's path: the same blob on the API origin.
    const u = new URL(link);
    const viaApi = await fetch(`${n.endpoint}/dockyard/v1/blob/dockyard${u.pathname}${u.search}`);
    assert.equal(viaApi.status, 200);
    assert.match(await viaApi.text(), expected);
  }
  const cli = await cliFor(b.dataDir)('acr', 'task', 'logs', '-r', 'runsreg', '--run-id', runId);
  assert.match(cli.stdout, expected, `dockyard acr task logs on node B: ${cli.stderr}`);

  // An agent's run with the uploaded source: leased through node A, its source downloaded from node B.
  const v = `?${V}`;
  assert.equal((await api(a, `${regPath}/agentPools/pool1${v}`, 'PUT', { location: 'eastus' })).status, 201);
  const cred = (await api(b, `${regPath}/agentPools/pool1/generateCredential${v}`, 'POST')).json.token as string;
  const agentRun = await api(b, `${regPath}/scheduleRun?${V}`, 'POST', {
    type: 'DockerBuildRequest',
    sourceLocation: whole.relativePath,
    imageNames: ['x:v2'],
    agentPoolName: 'pool1',
    platform: { os: 'linux' },
  });
  assert.equal(agentRun.status, 200, agentRun.text);
  const leased = await fetch(`${a.endpoint}/dockyard/v1/agents/lease/runsreg/pool1`, {
    method: 'POST',
    headers: { authorization: `DockyardAgent ${cred}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agentId: 'agent-1' }),
  });
  assert.equal(leased.status, 200, await leased.clone().text());
  const lease = (await leased.json()) as {
    run: { runId: string; request: { uploadedContext: string } };
    token: string;
  };
  assert.equal(lease.run.runId, agentRun.json.runId);
  assert.equal(lease.run.request.uploadedContext, 'server', 'the agent is not told where the server keeps it');
  const source = await fetch(`${b.endpoint}/dockyard/v1/agents/runs/runsreg/${lease.run.runId}/source`, {
    headers: { authorization: `DockyardRun ${lease.token}` },
  });
  assert.equal(source.status, 200, await source.clone().text());
  assert.ok(Buffer.from(await source.arrayBuffer()).equals(archive), 'the archive, byte for byte');
  const done = await fetch(`${a.endpoint}/dockyard/v1/agents/runs/runsreg/${lease.run.runId}/complete`, {
    method: 'POST',
    headers: { authorization: `DockyardRun ${lease.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'Failed', errorMessage: 'test agent' }),
  });
  assert.equal(done.status, 200, await done.text());
});
