import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { makeGitRepo } from '../helpers/git-context.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encoded, runLog, runToEnd, startSecurityServer, TASKV, type SecurityServer } from './fixture.js';

// Issue 12 item 6: secrets must not show up in anything a run produces. Each test reproduces the reported attack
// (a Reader reading the run) with one secret source and asserts the value is nowhere.
const KV_SECRET = 'SuperSecret-Value-123';
const SET_SECRET = 'SetSecret-Value-456';
const BASE_SECRET = 'sekretbase-7f3c9a';

let x: SecurityServer;
let ctx: string;
before(async () => {
  x = await startSecurityServer();
  ctx = mkdtempSync(join(tmpdir(), 'dockyard-sec-ctx-'));
  // A server-side source is a git repository (a plain host directory is refused: test/security/run-sources).
  makeGitRepo(ctx, { Dockerfile: 'ARG BASE\nFROM $BASE\nRUN echo built\n' });
});
after(async () => {
  await x?.s.cleanup();
  if (ctx) rmSync(ctx, { recursive: true, force: true });
});

/** Everything a Reader (and the dashboard, which calls the same endpoints) can read about the run, plus the log. */
async function everything(runId: string): Promise<{ run: any; texts: string[] }> {
  const asReader = await x.s.api(`${x.registryId}/runs/${runId}?${TASKV}`, { headers: x.reader });
  assert.equal(asReader.status, 200, asReader.text);
  const list = await x.s.api(`${x.registryId}/runs?${TASKV}&$top=50`, { headers: x.reader });
  assert.equal(list.status, 200, list.text);
  const asAdmin = await x.s.api(`${x.registryId}/runs/${runId}?${TASKV}`);
  return { run: asReader.json, texts: [asReader.text, list.text, asAdmin.text, await runLog(x, runId)] };
}

function assertNowhere(texts: string[], secret: string): void {
  for (const t of texts) {
    assert.ok(!t.includes(secret), `secret found in: ${t.slice(0, 2000)}`);
    assert.ok(!t.includes(JSON.stringify(secret).slice(1, -1)));
  }
}

test('a Key Vault secret used as `timeout:` is masked in runErrorMessage, the run JSON and the log', async () => {
  const { s } = x;
  const vault = s.platform.identity.vault;
  const admin = s.platform.admin.principal;
  const { row } = await vault.createOrUpdate({
    sub: s.sub,
    rg: 'secrg',
    name: 'secvault',
    location: 'eastus',
    creator: admin,
  });
  await vault.setSecret(admin, 'secvault', 'dbpass', { value: KV_SECRET });
  const yaml = [
    'version: v1.1.0',
    'secrets:',
    '  - id: dbpass',
    '    keyvault: https://secvault.vault.azure.net/secrets/dbpass',
    'steps:',
    '  - cmd: bash echo hi',
    '    timeout: {{.Secrets.dbpass}}',
    '',
  ].join('\n');
  const put = await s.api(`${x.registryId}/tasks/kvtask?${TASKV}`, {
    method: 'PUT',
    body: {
      location: 'eastus',
      identity: { type: 'SystemAssigned' },
      properties: { platform: { os: 'linux' }, step: { type: 'EncodedTask', encodedTaskContent: encoded(yaml) } },
    },
  });
  assert.ok(put.status === 200 || put.status === 201, put.text);
  const principalId = put.json.identity.principalId as string;
  await vault.updatePolicies(row, 'add', [
    {
      tenantId: s.platform.tenantId,
      objectId: principalId,
      applicationId: null,
      permissions: { keys: [], secrets: ['get'], certificates: [], storage: [] },
    },
  ]);

  const runId = await runToEnd(x, { type: 'TaskRunRequest', taskId: `${x.registryId}/tasks/kvtask` });
  const { run, texts } = await everything(runId);
  assert.equal(run.status, 'Failed');
  // The attack: the value reached the error message through the template engine's conversion error.
  assert.match(run.runErrorMessage, /\*\*\*/, run.runErrorMessage);
  assertNowhere(texts, KV_SECRET);
});

test('a --set-secret value used as `timeout:` is masked in runErrorMessage, the run JSON and the log', async () => {
  const yaml = 'version: v1.1.0\nsteps:\n  - cmd: bash echo hi\n    timeout: {{.Values.pass}}\n';
  const runId = await runToEnd(x, {
    type: 'EncodedTaskRunRequest',
    encodedTaskContent: encoded(yaml),
    values: [{ name: 'pass', value: SET_SECRET, isSecret: true }],
    platform: { os: 'linux' },
  });
  const { run, texts } = await everything(runId);
  assert.equal(run.status, 'Failed');
  assert.match(run.runErrorMessage, /\*\*\*/, run.runErrorMessage);
  assertNowhere(texts, SET_SECRET);
});

test('a secret in a build-arg and in step output is masked in the log, the dependency report and the run', async () => {
  x.engine.onRun(
    () => true,
    (o) => ({ stdout: `container says: ${(o.args ?? []).join(' ')}\n` }),
  );
  const yaml = [
    'version: v1.1.0',
    'steps:',
    '  - build: -t {{.Run.Registry}}/app:{{.Run.ID}} --build-arg BASE={{.Values.base}} -f Dockerfile .',
    '  - cmd: bash echo token={{.Values.base}}',
    '',
  ].join('\n');
  const runId = await runToEnd(x, {
    type: 'EncodedTaskRunRequest',
    encodedTaskContent: encoded(yaml),
    sourceLocation: `file://${ctx}`,
    values: [{ name: 'base', value: BASE_SECRET, isSecret: true }],
    platform: { os: 'linux' },
  });
  const { run, texts } = await everything(runId);
  const log = texts[3];
  assert.equal(run.status, 'Succeeded', log);
  assert.match(log, /container says: .*token=\*\*\*/);
  assert.match(log, /The following dependencies were found/);
  assertNowhere(texts, BASE_SECRET);
  // The stored result (dependencies for base-image triggers) is masked too.
  const stored = await x.s.platform.tasks.runs.get('secreg', runId);
  assert.ok(!JSON.stringify(stored!.result).includes(BASE_SECRET), JSON.stringify(stored!.result));
});

test('an API error body never echoes a secret the server knows', async () => {
  const r = await x.s.api(`${x.registryId}/runs/${SET_SECRET}?${TASKV}`, { headers: x.reader });
  assert.equal(r.status, 404, r.text);
  assert.ok(!r.text.includes(SET_SECRET), r.text);
  assert.match(r.text, /\*\*\*/);
});

// The replacement itself (<data-dir>/...) is unit-tested in masking-function.test.ts; a run's failure names the
// Dockerfile as the task file gave it (PathOutsideContext wording), never a host path.
test('error messages never show the absolute data dir', async () => {
  const yaml = 'version: v1.1.0\nsteps:\n  - build: -t {{.Run.Registry}}/app:{{.Run.ID}} -f missing.dockerfile .\n';
  const runId = await runToEnd(x, {
    type: 'EncodedTaskRunRequest',
    encodedTaskContent: encoded(yaml),
    sourceLocation: `file://${ctx}`,
    platform: { os: 'linux' },
  });
  const { run, texts } = await everything(runId);
  assert.equal(run.status, 'Failed');
  assert.match(
    run.runErrorMessage,
    /The Dockerfile 'missing\.dockerfile' was not found inside the build context/,
    run.runErrorMessage,
  );
  for (const t of texts) assert.ok(!t.includes(x.s.dataDir), t.slice(0, 2000));
});
