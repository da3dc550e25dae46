import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fixedClock } from '../../src/shared/index.js';

// Issue 12 item 8: log links (/dockyard/v1/logs/<token>) never expired. They now carry a signed expiry (one hour).
const clock = fixedClock(new Date());
let s: TestServer;
let registryId: string;

before(async () => {
  s = await startTestServer({}, undefined, { clock });
  const rg = `/subscriptions/${s.sub}/resourceGroups/logrg`;
  await s.api(`${rg}?api-version=2022-09-01`, { method: 'PUT', body: { location: 'eastus' } });
  const r = await s.api(`${rg}/providers/Microsoft.ContainerRegistry/registries/logreg?api-version=2025-04-01`, {
    method: 'PUT',
    body: { location: 'eastus', sku: { name: 'Basic' } },
  });
  registryId = r.json.id;
});
after(async () => {
  await s?.cleanup();
});

async function runAndLink(): Promise<{ runId: string; logLink: string }> {
  const content = Buffer.from('version: v1.1.0\nsteps:\n  - cmd: bash echo hello\n').toString('base64');
  const run = await s.api(`${registryId}/scheduleRun?api-version=2019-06-01-preview`, {
    method: 'POST',
    body: { type: 'EncodedTaskRunRequest', encodedTaskContent: content, platform: { os: 'Linux' } },
  });
  assert.ok(run.status < 300, run.text);
  const runId = run.json.runId ?? run.json.properties?.runId;
  const link = await s.api(`${registryId}/runs/${runId}/listLogSasUrl?api-version=2019-06-01-preview`, {
    method: 'POST',
  });
  assert.equal(link.status, 200, link.text);
  return { runId, logLink: link.json.logLink };
}

test('a log link works until it expires, then answers LogLinkExpired; a fresh link works again', async () => {
  const { runId, logLink } = await runAndLink();
  const ok = await fetch(logLink);
  assert.equal(ok.status, 200);
  await ok.text();

  clock.advance(59 * 60 * 1000);
  const stillOk = await fetch(logLink);
  assert.equal(stillOk.status, 200);
  await stillOk.text();

  clock.advance(2 * 60 * 1000);
  for (const url of [logLink, `${logLink}?follow=1`]) {
    const expired = await fetch(url);
    assert.equal(expired.status, 403);
    const body = (await expired.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'LogLinkExpired');
    assert.match(body.error.message, /expired at \d{4}-\d\d-\d\dT/);
  }

  const fresh = await s.api(`${registryId}/runs/${runId}/listLogSasUrl?api-version=2019-06-01-preview`, {
    method: 'POST',
  });
  assert.notEqual(fresh.json.logLink, logLink);
  assert.equal((await fetch(fresh.json.logLink)).status, 200);
});

test('a link whose expiry was edited, or a bare run log token, is not found', async () => {
  const { logLink } = await runAndLink();
  const url = new URL(logLink);
  const [ref, exp, sig] = url.pathname.split('/').pop()!.split('.');
  const extended = `${url.origin}/dockyard/v1/logs/${ref}.${Number(exp) + 365 * 24 * 3600}.${sig}`;
  assert.equal((await fetch(extended)).status, 404);
  const otherRun = `${url.origin}/dockyard/v1/logs/${Buffer.from('logreg/cf999').toString('base64url')}.${exp}.${sig}`;
  assert.equal((await fetch(otherRun)).status, 404);
  const runs = await s.platform.tasks.runs.list('logreg');
  assert.ok(runs.length > 0);
  assert.equal((await fetch(`${url.origin}/dockyard/v1/logs/${runs[0].logToken}`)).status, 404);
});
