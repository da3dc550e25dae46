import assert from 'node:assert/strict';
import { FakeEngine } from '../../src/tasks/engine/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assign, createSp, spToken } from '../integration/identity/principals.js';

export const RV = 'api-version=2022-09-01';
export const REGV = 'api-version=2025-04-01';
export const TASKV = 'api-version=2019-06-01-preview';

export interface SecurityServer {
  s: TestServer;
  engine: FakeEngine;
  registryId: string;
  /** Authorization headers of a Reader on the registry. */
  reader: Record<string, string>;
}

/**
 * A server whose runs go through the real runner on a FakeEngine (no docker needed), with a resource group `secrg`,
 * a registry `secreg` and a service principal holding Reader on the registry.
 */
export async function startSecurityServer(dataDir?: string): Promise<SecurityServer> {
  const engine = new FakeEngine();
  const s = await startTestServer({}, dataDir, { engine: async () => engine });
  const rg = await s.api(`/subscriptions/${s.sub}/resourcegroups/secrg?${RV}`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  assert.ok(rg.status === 200 || rg.status === 201, rg.text);
  const reg = await s.api(
    `/subscriptions/${s.sub}/resourceGroups/secrg/providers/Microsoft.ContainerRegistry/registries/secreg?${REGV}`,
    { method: 'PUT', body: { location: 'eastus', sku: { name: 'Premium' } } },
  );
  assert.ok(reg.status === 200 || reg.status === 201, reg.text);
  const registryId = reg.json.id as string;
  const sp = await createSp(s, 'security-reader');
  assert.equal((await assign(s, sp.objectId, 'Reader', registryId)).status, 201);
  const reader = { authorization: `Bearer ${await spToken(s, sp)}` };
  return { s, engine, registryId, reader };
}

/** Schedules a run and waits until it is terminal; returns the run id. */
export async function runToEnd(x: SecurityServer, body: Record<string, unknown>): Promise<string> {
  const r = await x.s.api(`${x.registryId}/scheduleRun?${TASKV}`, { method: 'POST', body });
  assert.equal(r.status, 200, r.text);
  const runId = r.json.runId as string;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const g = await x.s.api(`${x.registryId}/runs/${runId}?${TASKV}`);
    if (['Succeeded', 'Failed', 'Error', 'Canceled', 'Timeout'].includes(g.json?.status)) return runId;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${g.text}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** The run's log text (through its SAS-like link, as the CLI and the dashboard read it). */
export async function runLog(x: SecurityServer, runId: string): Promise<string> {
  const link = await x.s.api(`${x.registryId}/runs/${runId}/listLogSasUrl?${TASKV}`, { method: 'POST' });
  assert.equal(link.status, 200, link.text);
  return (await fetch(link.json.logLink as string)).text();
}

export const encoded = (yaml: string): string => Buffer.from(yaml).toString('base64');
