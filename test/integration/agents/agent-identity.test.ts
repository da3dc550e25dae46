import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';

// Identity, Key Vault and the workload endpoint from an agent: the run's own identity works exactly as on the server,
// for that run only and only while it runs.
let s: TestServer;
const SECRET_URL = 'https://agentvault.vault.azure.net/secrets/AgentSecret';

test.before(async () => {
  s = await startTestServer();
});
test.after(() => s.cleanup());

test('a task identity on an agent: Key Vault secret, AAD token and workload binding for that run only', async () => {
  const cli = cliFor(s.dataDir);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  await ok('group', 'create', '-n', 'rg', '-l', 'eastus');
  await ok('acr', 'create', '-g', 'rg', '-n', 'idreg', '--sku', 'Premium');
  await ok('acr', 'agentpool', 'create', '-n', 'idpool', '-r', 'idreg');
  const token = JSON.parse(await ok('acr', 'agentpool', 'credential', '-n', 'idpool', '-r', 'idreg')).token;
  await ok('keyvault', 'create', '-n', 'agentvault', '-g', 'rg', '-l', 'eastus');
  await ok('keyvault', 'secret', 'set', '--vault-name', 'agentvault', '-n', 'AgentSecret', '--value', 'Hello agent!');
  const principal = await ok(
    'acr',
    'task',
    'create',
    '-n',
    'idtask',
    '-r',
    'idreg',
    '--cmd',
    'busybox true',
    '-c',
    '/dev/null',
    '--assign-identity',
    '--agent-pool',
    'idpool',
    '--query',
    'identity.principalId',
    '-o',
    'tsv',
  );
  await ok(
    'keyvault',
    'set-policy',
    '-n',
    'agentvault',
    '-g',
    'rg',
    '--object-id',
    principal,
    '--secret-permissions',
    'get',
  );
  const other = await ok('identity', 'create', '-g', 'rg', '-n', 'notTheTasks', '--query', 'principalId', '-o', 'tsv');
  await ok(
    'keyvault',
    'set-policy',
    '-n',
    'agentvault',
    '-g',
    'rg',
    '--object-id',
    other,
    '--secret-permissions',
    'get',
  );
  const runId = await ok(
    'acr',
    'task',
    'run',
    '-n',
    'idtask',
    '-r',
    'idreg',
    '--no-wait',
    '--query',
    'runId',
    '-o',
    'tsv',
  );

  const res = await fetch(`${s.endpoint}/dockyard/v1/agents/lease/idreg/idpool`, {
    method: 'POST',
    headers: { authorization: `DockyardAgent ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ agentId: 'id-agent', waitSeconds: 5 }),
  });
  assert.equal(res.status, 200);
  const lease = (await res.json()) as { token: string; run: Record<string, any> };
  assert.equal(lease.run.runId, runId);
  assert.equal(lease.run.logToken, undefined, 'the log-link key stays on the server');
  const call = async (path: string, body: unknown = {}) => {
    const r = await fetch(`${s.endpoint}/dockyard/v1/agents/runs/idreg/${runId}/${path}`, {
      method: 'POST',
      headers: { authorization: `DockyardRun ${lease.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, json: (await r.json()) as Record<string, any> };
  };

  const secret = await call('secret', { principalId: principal, url: SECRET_URL });
  assert.equal(secret.status, 200);
  assert.equal(secret.json.value, 'Hello agent!');
  // Another identity with rights on the vault is not this run's: refused.
  assert.equal((await call('secret', { principalId: other, url: SECRET_URL })).status, 403);
  assert.equal((await call('identity-token', { principalId: other, resource: 'https://vault.azure.net' })).status, 403);
  const aad = await call('identity-token', { principalId: principal, resource: 'https://vault.azure.net' });
  assert.equal(aad.status, 200);
  const claims = JSON.parse(Buffer.from(aad.json.accessToken.split('.')[1], 'base64url').toString());
  assert.equal(claims.oid, principal);

  // The workload endpoint step containers use: works while the run is leased, not after it ended.
  const binding = await call('workload-binding', {
    identities: [principal],
    expiresAt: new Date(Date.now() + 600_000).toISOString(),
  });
  assert.equal(binding.status, 200);
  assert.equal((await call('workload-binding', { identities: [other] })).status, 403);
  const msi = () =>
    fetch(`${s.endpoint}/msi/token?resource=https://vault.azure.net&api-version=2019-08-01`, {
      headers: { 'x-identity-header': binding.json.secret },
    });
  const during = await msi();
  assert.equal(during.status, 200);
  assert.equal(
    JSON.parse(
      Buffer.from(
        ((await during.json()) as { access_token: string }).access_token.split('.')[1],
        'base64url',
      ).toString(),
    ).oid,
    principal,
  );
  assert.equal((await call('complete', { status: 'Succeeded', result: {} })).status, 200);
  assert.notEqual((await msi()).status, 200, 'revoked when the run ended');
  assert.equal((await call('secret', { principalId: principal, url: SECRET_URL })).status, 409, 'run ended');
});
