import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { LOCAL_ADMIN_OBJECT_ID } from '../../../src/identity/index.js';
import { registryOf } from '../../../src/app/index.js';
import type { RunContext, RunExecutor, RunOutcome } from '../../../src/tasks/index.js';

/** Runs succeed at once (the engine is not what is measured here). */
class InstantExecutor implements RunExecutor {
  async execute(ctx: RunContext): Promise<RunOutcome> {
    await ctx.markRunning();
    ctx.log.line('hello from the metrics test');
    return { status: 'Succeeded' };
  }
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const TOKEN = 'scrape-token-0123456789abcdef';
const API = '2025-04-01';

/** Parses the exposition text into `name{labels} value` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
/** The sum of every sample of `name` whose labels include all of `labels`. */
function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [k, v] of samples(text)) {
    if (!(k === name || k.startsWith(`${name}{`))) continue;
    if (Object.entries(labels).every(([l, val]) => k.includes(`${l}="${val}"`))) total += v;
  }
  return total;
}

let s: TestServer;
let loginServer: string;
before(async () => {
  s = await startTestServer({}, undefined, { executor: new InstantExecutor() });
  assert.equal(
    (
      await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?api-version=2021-04-01`, {
        method: 'PUT',
        body: { location: 'eastus' },
      })
    ).status,
    201,
  );
  const reg = await s.api(
    `/subscriptions/${s.sub}/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/metricsreg?api-version=${API}`,
    { method: 'PUT', body: { location: 'eastus', sku: { name: 'Basic' } } },
  );
  assert.equal(reg.status, 201, reg.text);
  loginServer = reg.json.loginServer ?? reg.json.properties?.loginServer;
});
after(async () => {
  await s.cleanup();
});

async function scrape(
  server: TestServer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; type: string | null }> {
  const r = await fetch(`${server.endpoint}/metrics`, { headers });
  return { status: r.status, text: await r.text(), type: r.headers.get('content-type') };
}

test('a push and a run move the counters; labels are route templates, never names or digests', async () => {
  const before = await scrape(s);
  assert.equal(before.status, 200, 'loopback scrapes need no credentials by default');
  assert.match(before.type ?? '', /^text\/plain; version=0\.0\.4/);

  // The registry token flow: Basic (local administrator) at /oauth2/token, then the bearer on the data plane.
  const basic = Buffer.from(`${LOCAL_ADMIN_OBJECT_ID}:${s.platform.admin.key}`).toString('base64');
  const tr = await fetch(`http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:app:pull,push`, {
    headers: { authorization: `Basic ${basic}` },
  });
  assert.equal(tr.status, 200);
  const auth = { authorization: `Bearer ${((await tr.json()) as { access_token: string }).access_token}` };
  const bad = await fetch(`http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:app:pull`, {
    headers: { authorization: `Basic ${Buffer.from(`${LOCAL_ADMIN_OBJECT_ID}:wrong`).toString('base64')}` },
  });
  assert.equal(bad.status, 401);

  const layer = Buffer.from('a layer of exactly thirty-two b!');
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  // One chunked upload (POST, PATCH, PUT) and one monolithic upload.
  const start = await fetch(`http://${loginServer}/v2/app/blobs/uploads/`, { method: 'POST', headers: auth });
  assert.equal(start.status, 202);
  const loc = start.headers.get('location')!;
  assert.equal(
    (
      await fetch(`http://${loginServer}${loc}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: layer,
      })
    ).status,
    202,
  );
  assert.equal(
    (await fetch(`http://${loginServer}${loc}?digest=${sha(layer)}`, { method: 'PUT', headers: auth })).status,
    201,
  );
  assert.equal(
    (
      await fetch(`http://${loginServer}/v2/app/blobs/uploads/?digest=${sha(config)}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: config,
      })
    ).status,
    201,
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(layer), size: layer.length }],
    }),
  );
  assert.equal(
    (
      await fetch(`http://${loginServer}/v2/app/manifests/v1`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: manifest,
      })
    ).status,
    201,
  );
  const pulled = await fetch(`http://${loginServer}/v2/app/blobs/${sha(layer)}`, { headers: auth });
  assert.equal((await pulled.arrayBuffer()).byteLength, layer.length);

  // A run (quick run of an encoded task file), to its end.
  const encoded = Buffer.from('version: v1.1.0\nsteps:\n  - cmd: busybox echo hi\n').toString('base64');
  const sched = await s.api(
    `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/metricsreg/scheduleRun?api-version=2019-06-01-preview`,
    {
      method: 'POST',
      body: { type: 'EncodedTaskRunRequest', encodedTaskContent: encoded, values: [], platform: { os: 'Linux' } },
    },
  );
  assert.ok(sched.status === 200 || sched.status === 202, sched.text);
  const runId = (sched.json.runId ?? sched.json.properties?.runId) as string;
  for (let i = 0; ; i++) {
    const r = await s.platform.tasks.runs.get('metricsreg', runId);
    if (r && r.status === 'Succeeded') break;
    assert.ok(i < 100, `run did not finish: ${r?.status}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  // A GC pass is counted even when it frees nothing.
  await registryOf(s.platform)!.gc.run();

  const after = (await scrape(s)).text;
  const delta = (name: string, labels: Record<string, string> = {}) =>
    sum(after, name, labels) - sum(before.text, name, labels);
  assert.equal(
    delta('dockyard_registry_pushed_bytes_total', { registry: 'metricsreg', kind: 'blob' }),
    layer.length + config.length,
  );
  assert.equal(
    delta('dockyard_registry_pushed_bytes_total', { registry: 'metricsreg', kind: 'manifest' }),
    manifest.length,
  );
  assert.equal(delta('dockyard_registry_pulled_bytes_total', { registry: 'metricsreg', kind: 'blob' }), layer.length);
  assert.equal(
    sum(after, 'dockyard_registry_storage_bytes', { registry: 'metricsreg' }),
    layer.length + config.length + manifest.length,
  );
  assert.equal(sum(after, 'dockyard_registry_blob_uploads_in_flight'), 0);
  assert.equal(sum(after, 'dockyard_registry_upload_sessions'), 0);
  assert.equal(
    delta('dockyard_http_requests_total', {
      plane: 'registry',
      route: '/v2/<name>/blobs/uploads/<uuid>',
      method: 'PATCH',
      status: '202',
    }),
    1,
  );
  assert.equal(
    delta('dockyard_http_requests_total', {
      plane: 'registry',
      route: '/v2/<name>/manifests/<reference>',
      method: 'PUT',
      status: '201',
    }),
    1,
  );
  assert.equal(
    delta('dockyard_http_request_duration_seconds_count', {
      plane: 'registry',
      route: '/v2/<name>/blobs/<digest>',
      method: 'GET',
    }),
    1,
  );
  assert.equal(delta('dockyard_tokens_issued_total', { plane: 'registry', route: '/oauth2/token' }), 1);
  assert.equal(delta('dockyard_token_failures_total', { plane: 'registry', route: '/oauth2/token' }), 1);
  const scheduleRun = [...samples(after).keys()].find(
    (k) => k.startsWith('dockyard_http_requests_total{') && k.includes('/scheduleRun"'),
  );
  assert.ok(
    scheduleRun && !scheduleRun.includes(s.sub) && !scheduleRun.includes('metricsreg'),
    `the API route is labelled by its template: ${scheduleRun}`,
  );
  assert.equal(delta('dockyard_runs_total', { status: 'Succeeded', run_type: 'QuickRun', trigger: 'Manual' }), 1);
  assert.equal(delta('dockyard_run_duration_seconds_count', { status: 'Succeeded' }), 1);
  assert.equal(delta('dockyard_run_queue_wait_seconds_count'), 1);
  assert.equal(sum(after, 'dockyard_runs_active', { status: 'Queued' }), 0);
  assert.equal(delta('dockyard_gc_runs_total'), 1);
  for (const forbidden of ['="app"', sha(layer).slice(7), `"${runId}"`, loc.split('/').pop()!])
    assert.ok(!after.includes(forbidden), `no label carries ${forbidden}`);
  assert.ok(after.includes('process_cpu_user_seconds_total'), 'process metrics are included');
});

test('unmatched paths share one series', async () => {
  const before = (await scrape(s)).text;
  for (const p of ['/no/such/thing', '/another/made-up/path', '/v2x']) await fetch(`${s.endpoint}${p}`);
  await fetch(`http://${loginServer}/nonsense/${'x'.repeat(40)}`);
  const after = (await scrape(s)).text;
  assert.equal(
    sum(after, 'dockyard_http_requests_total', { plane: 'api', route: '<unmatched>' }) -
      sum(before, 'dockyard_http_requests_total', { plane: 'api', route: '<unmatched>' }),
    3,
  );
  assert.equal(
    sum(after, 'dockyard_http_requests_total', { plane: 'registry', route: '<unmatched>' }) -
      sum(before, 'dockyard_http_requests_total', { plane: 'registry', route: '<unmatched>' }),
    1,
  );
  assert.ok(!after.includes('made-up'));
});

test("'on' needs the scrape token or an administrator, even from loopback; a forwarded request is not local", async (t) => {
  const on = await startTestServer({ metrics: 'on', metricsToken: TOKEN });
  t.after(() => on.cleanup());
  const anonymous = await scrape(on);
  assert.equal(anonymous.status, 401);
  assert.match(anonymous.text, /AuthenticationFailed/);
  assert.equal((await scrape(on, { authorization: 'Bearer not-the-token' })).status, 401);
  assert.equal((await scrape(on, { authorization: `Bearer ${TOKEN}x` })).status, 401);
  const withToken = await scrape(on, { authorization: `Bearer ${TOKEN}` });
  assert.equal(withToken.status, 200);
  assert.match(withToken.text, /# TYPE dockyard_http_requests_total counter/);
  assert.equal(
    (await scrape(on, { authorization: on.adminAuth })).status,
    200,
    'the local administrator (Owner) may scrape',
  );

  // Default mode: a request relayed by a local reverse proxy is someone else's, so it needs credentials too.
  assert.equal((await scrape(s, { 'x-forwarded-for': '203.0.113.9' })).status, 401);
  assert.equal((await scrape(s, { 'x-forwarded-for': '203.0.113.9', authorization: s.adminAuth })).status, 200);
});

test("'off' serves no /metrics", async (t) => {
  const off = await startTestServer({ metrics: 'off' });
  t.after(() => off.cleanup());
  assert.equal((await scrape(off, { authorization: off.adminAuth })).status, 404);
});
