import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';

/** The agent API at the HTTP level (no engine): leases, isolation between pools, limits, logs, lost agents. */
let s: TestServer;
let regId = '';
const v = '?api-version=2019-06-01-preview';
const tokens: Record<string, string> = {};

async function schedule(pool: string | null, extra: Record<string, unknown> = {}) {
  const r = await s.api(`${regId}/scheduleRun${v}`, {
    method: 'POST',
    body: {
      type: 'EncodedTaskRunRequest',
      encodedTaskContent: Buffer.from('steps:\n  - cmd: busybox true\n').toString('base64'),
      ...(pool ? { agentPoolName: pool } : {}),
      ...extra,
    },
  });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

const agentCall = (path: string, auth: string, body?: unknown, text?: string) =>
  fetch(`${s.endpoint}/dockyard/v1/agents/${path}`, {
    method: 'POST',
    headers: {
      authorization: auth,
      'content-type': text !== undefined ? 'text/plain' : 'application/json',
    },
    body: text ?? JSON.stringify(body ?? {}),
  });

async function lease(
  pool: string,
  token = tokens[pool],
  registry = 'leasereg',
): Promise<{ status: number; json: any }> {
  const res = await agentCall(`lease/${registry}/${pool}`, `DockyardAgent ${token}`, { agentId: `a-${pool}` });
  return { status: res.status, json: res.status === 200 ? await res.json() : await res.text() };
}

async function runStatus(runId: string): Promise<Record<string, any>> {
  return (await s.api(`${regId}/runs/${runId}${v}`)).json;
}

test.before(async () => {
  s = await startTestServer({ agentLeaseSeconds: 3 });
  await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?api-version=2022-09-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  const reg = await s.api(
    `/subscriptions/${s.sub}/resourcegroups/rg/providers/Microsoft.ContainerRegistry/registries/leasereg?api-version=2025-04-01`,
    { method: 'PUT', body: { location: 'eastus', sku: { name: 'Premium' } } },
  );
  regId = reg.json.id;
  for (const p of ['poola', 'poolb']) {
    assert.equal(
      (await s.api(`${regId}/agentPools/${p}${v}`, { method: 'PUT', body: { location: 'eastus' } })).status,
      201,
    );
    tokens[p] = (await s.api(`${regId}/agentPools/${p}/generateCredential${v}`, { method: 'POST' })).json.token;
  }
});
test.after(() => s.cleanup());

test('a pool credential leases only its own pool, never more than count at once, and opens nothing else', async () => {
  const a1 = await schedule('poola');
  const a2 = await schedule('poola');
  const b1 = await schedule('poolb');
  // Another pool's credential, a wrong one, or none: refused.
  assert.equal((await lease('poola', tokens.poolb)).status, 401);
  assert.equal((await lease('poolb', tokens.poola)).status, 401);
  assert.equal((await lease('poola', `${tokens.poola}x`)).status, 401);
  assert.equal((await agentCall('lease/leasereg/poola', '')).status, 401);
  // The pool credential is no ARM, registry or run credential.
  for (const auth of [`DockyardAgent ${tokens.poola}`, `Bearer ${tokens.poola}`, `DockyardKey ${tokens.poola}`]) {
    const r = await fetch(`${s.endpoint}${regId}/runs${v}`, { headers: { authorization: auth } });
    assert.equal(r.status, 401, auth.split(' ')[0]);
  }
  assert.equal((await agentCall(`runs/leasereg/${a1.runId}/heartbeat`, `DockyardRun ${tokens.poola}`)).status, 401);

  const l1 = await lease('poola');
  assert.equal(l1.status, 200);
  assert.equal(l1.json.run.runId, a1.runId, 'oldest first');
  assert.equal(l1.json.run.agentPool, 'poola');
  assert.equal(l1.json.registry.name, 'leasereg');
  assert.equal((await runStatus(a1.runId)).status, 'Started');
  // count = 1: a second agent of the pool gets nothing while the first holds its run.
  assert.equal((await lease('poola')).status, 204);
  assert.equal((await s.api(`${regId}/agentPools/poola/listQueueStatus${v}`, { method: 'POST' })).json.count, 1);

  // The run credential works for its own run only.
  const runAuth = `DockyardRun ${l1.json.token}`;
  assert.equal((await agentCall(`runs/leasereg/${a2.runId}/heartbeat`, runAuth)).status, 401);
  assert.equal((await agentCall(`runs/leasereg/${b1.runId}/log`, runAuth, undefined, 'x\n')).status, 401);
  assert.equal((await fetch(`${s.endpoint}${regId}/runs${v}`, { headers: { authorization: runAuth } })).status, 401);
  // A quick run has no identity: no token, secret or binding for any principal.
  const tok = await agentCall(`runs/leasereg/${a1.runId}/identity-token`, runAuth, {
    principalId: s.platform.admin.principal.objectId,
    resource: 'https://management.azure.com/',
  });
  assert.equal(tok.status, 403);
  const sec = await agentCall(`runs/leasereg/${a1.runId}/secret`, runAuth, {
    principalId: s.platform.admin.principal.objectId,
    url: 'https://v.vault.azure.net/secrets/x',
  });
  assert.equal(sec.status, 403);
  // The run's own registry login works (ACR's source-registry access).
  const cred = await agentCall(`runs/leasereg/${a1.runId}/registry-credential`, runAuth);
  assert.equal(cred.status, 200);
  assert.equal(((await cred.json()) as { username: string }).username, '00000000-0000-0000-0000-000000000000');

  // Bodies are bounded.
  const big = await agentCall(`runs/leasereg/${a1.runId}/log`, runAuth, undefined, 'x'.repeat(1024 * 1024 + 10));
  assert.equal(big.status, 413);

  assert.equal((await agentCall(`runs/leasereg/${a1.runId}/heartbeat`, runAuth)).status, 200);
  assert.equal((await agentCall(`runs/leasereg/${a1.runId}/running`, runAuth)).status, 200);
  assert.equal((await runStatus(a1.runId)).status, 'Running');
  assert.equal(
    (await agentCall(`runs/leasereg/${a1.runId}/log`, runAuth, undefined, 'step output from the agent\n')).status,
    200,
  );
  const done = await agentCall(`runs/leasereg/${a1.runId}/complete`, runAuth, { status: 'Succeeded', result: {} });
  assert.equal(done.status, 200);
  const finished = await runStatus(a1.runId);
  assert.equal(finished.status, 'Succeeded');
  assert.equal(finished.agentPoolName, 'poola');
  // Once ended, the run credential is refused (the agent stops).
  assert.equal((await agentCall(`runs/leasereg/${a1.runId}/heartbeat`, runAuth)).status, 409);

  const link = (await s.api(`${regId}/runs/${a1.runId}/listLogSasUrl${v}`, { method: 'POST' })).json.logLink;
  // Served from the database (chunks may reach any API node): no node keeps a file copy.
  assert.equal(existsSync(join(s.dataDir, 'runs', 'leasereg', `${a1.runId}.log`)), false);
  const text = await (await fetch(link)).text();
  assert.match(text, /step output from the agent\n/);
  assert.match(text, new RegExp(`Run ID: ${a1.runId} was successful after \\d+s`));

  // Pool B's run was never touched by pool A's agent.
  assert.equal((await runStatus(b1.runId)).status, 'Queued');
});

test('an agent that stops heartbeating: its run is Failed with the reason within the lease bound', async () => {
  const l = await lease('poola');
  assert.equal(l.status, 200);
  const runId = l.json.run.runId;
  const t0 = Date.now();
  let run = await runStatus(runId);
  while (run.status === 'Started' && Date.now() - t0 < 15_000) {
    await new Promise((r) => setTimeout(r, 200));
    run = await runStatus(runId);
  }
  const took = Date.now() - t0;
  assert.equal(run.status, 'Failed');
  assert.match(
    run.runErrorMessage,
    /agent 'a-poola' of agent pool 'poola' stopped sending heartbeats \(none for 3 s\)/,
  );
  assert.ok(took >= 2500 && took < 6000, `failed after ${took} ms (lease 3 s + one sweep)`);
  const r = await agentCall(`runs/leasereg/${runId}/complete`, `DockyardRun ${l.json.token}`, { status: 'Succeeded' });
  assert.equal(r.status, 409, 'a late agent cannot overwrite the outcome');
  assert.equal((await runStatus(runId)).status, 'Failed');
});

test('a secret streamed by an agent is masked; cancel stops a leased run', async () => {
  const run = await schedule('poolb', { values: [{ name: 'pw', value: 'S3cretValue!42', isSecret: true }] });
  let l = await lease('poolb');
  // poolb's first run (from the first test) comes first; finish it, then take ours.
  if (l.json.run.runId !== run.runId) {
    await agentCall(`runs/leasereg/${l.json.run.runId}/complete`, `DockyardRun ${l.json.token}`, {
      status: 'Failed',
      errorMessage: 'x',
    });
    l = await lease('poolb');
  }
  assert.equal(l.json.run.runId, run.runId);
  assert.equal(l.json.run.request.secureValues['value:pw'], 'S3cretValue!42', 'the run gets its own secret values');
  const auth = `DockyardRun ${l.json.token}`;
  // A live follower (acr task logs / acr run) attached before the agent's first chunk sees it and the end.
  const links = (await s.api(`${regId}/runs/${run.runId}/listLogSasUrl${v}`, { method: 'POST' })).json;
  const followed = fetch(links.logArtifactLink).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 300));
  await agentCall(`runs/leasereg/${run.runId}/log`, auth, undefined, 'password is S3cretValue!42\n');
  const cancel = await s.api(`${regId}/runs/${run.runId}/cancel${v}`, { method: 'POST' });
  assert.equal(cancel.status, 202);
  assert.equal((await runStatus(run.runId)).status, 'Canceled');
  assert.equal((await agentCall(`runs/leasereg/${run.runId}/heartbeat`, auth)).status, 409);
  const link = (await s.api(`${regId}/runs/${run.runId}/listLogSasUrl${v}`, { method: 'POST' })).json.logLink;
  const text = await (await fetch(link)).text();
  assert.match(text, /password is \*\*\*\n/);
  assert.doesNotMatch(text, /S3cretValue/);
  assert.match(text, new RegExp(`Run ID: ${run.runId} was canceled after`));
  const live = await followed;
  assert.match(live, /password is \*\*\*\n/);
  assert.match(live, new RegExp(`Run ID: ${run.runId} was canceled after \\d+s\n$`));
});

test('raising the pool count during a long poll lets the waiting agent lease at once', async () => {
  assert.equal(
    (
      await s.api(`${regId}/agentPools/poolc${v}`, {
        method: 'PUT',
        body: { location: 'eastus', properties: { count: 1 } },
      })
    ).status,
    201,
  );
  const token = (await s.api(`${regId}/agentPools/poolc/generateCredential${v}`, { method: 'POST' })).json.token;
  await schedule('poolc');
  await schedule('poolc');
  const first = await agentCall('lease/leasereg/poolc', `DockyardAgent ${token}`, { agentId: 'c1' });
  assert.equal(first.status, 200);
  // count = 1 and one run leased: a second agent waits (up to 15 s) ...
  const t0 = Date.now();
  const waiting = agentCall('lease/leasereg/poolc', `DockyardAgent ${token}`, { agentId: 'c2', waitSeconds: 15 });
  await new Promise((r) => setTimeout(r, 1500));
  // ... until the count is raised: the same poll then hands out the second run.
  const patch = await s.api(`${regId}/agentPools/poolc${v}`, { method: 'PATCH', body: { properties: { count: 2 } } });
  assert.equal(patch.status, 200, patch.text);
  const second = await waiting;
  assert.equal(second.status, 200);
  assert.ok(Date.now() - t0 < 10_000, `leased after ${Date.now() - t0} ms`);
  const a = (await first.json()) as { run: { runId: string } };
  const b = (await second.json()) as { run: { runId: string } };
  assert.notEqual(a.run.runId, b.run.runId);
});
