import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';

let s: TestServer;
let cli: ReturnType<typeof cliFor>;
before(async () => {
  s = await startTestServer();
  cli = cliFor(s.dataDir);
});
after(async () => {
  await s.cleanup();
});

test('the foundation walkthrough commands work verbatim', async () => {
  let r = await cli('group', 'create', '--name', 'myResourceGroup', '--location', 'eastus');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).name, 'myResourceGroup');
  r = await cli('acr', 'create', '-g', 'myResourceGroup', '-n', 'myregistry', '--sku', 'Premium');
  assert.equal(r.code, 0, r.stderr);
  const reg = JSON.parse(r.stdout);
  assert.equal(reg.sku.name, 'Premium');
  r = await cli('acr', 'show', '--name', 'myregistry', '--query', 'id', '--output', 'tsv');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `/subscriptions/${s.sub}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myregistry\n`,
  );
  r = await cli('identity', 'create', '-g', 'myResourceGroup', '-n', 'myACRTasksId');
  assert.equal(r.code, 0, r.stderr);
  const idJson = JSON.parse(r.stdout);
  r = await cli(
    'identity',
    'show',
    '-g',
    'myResourceGroup',
    '-n',
    'myACRTasksId',
    '--query',
    'principalId',
    '-o',
    'tsv',
  );
  assert.equal(r.stdout.trim(), idJson.principalId);
  r = await cli(
    'identity',
    'show',
    '--resource-group',
    'myResourceGroup',
    '--name',
    'myACRTasksId',
    '--query',
    'id',
    '--output',
    'tsv',
  );
  assert.equal(r.stdout.trim(), idJson.id);
});

test('errors print ERROR: (Code) message and exit 1; usage errors exit 2', async () => {
  let r = await cli('acr', 'create', '-g', 'missingGroup', '-n', 'otherregistry', '--sku', 'Basic');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^ERROR: \(ResourceGroupNotFound\) Resource group 'missingGroup' could not be found\./m);
  r = await cli('group', 'create', '--name', 'g2', '--location', 'eastus');
  r = await cli('acr', 'create', '-g', 'g2', '-n', 'myregistry', '--sku', 'Basic');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\(AlreadyInUse\)/);
  r = await cli('acr', 'create', '-g', 'g2', '-n', 'bad-name', '--sku', 'Basic');
  assert.match(r.stderr, /\(InvalidResourceName\)/);
  r = await cli('acr', 'show');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--name/);
  r = await cli('acr', 'nosuchcommand');
  assert.equal(r.code, 2);
  r = await cli('acr', 'show', '-n', 'myregistry', '-o', 'xml');
  assert.equal(r.code, 2);
});

test('table output has az columns', async () => {
  const r = await cli('acr', 'list', '-o', 'table');
  assert.equal(r.code, 0, r.stderr);
  const [header, dashes, row] = r.stdout.split('\n');
  assert.match(header, /^NAME\s+RESOURCE GROUP\s+LOCATION\s+SKU\s+LOGIN SERVER\s+CREATION DATE\s+ADMIN ENABLED$/);
  assert.match(dashes, /^-+( {2}-+){6}$/);
  assert.match(row, /^myregistry\s+myResourceGroup\s+eastus\s+Premium\s+127\.0\.0\.1:\d+/);
});

test('acr update and network-rule commands change enforcement properties', async () => {
  let r = await cli(
    'acr',
    'update',
    '--name',
    'myregistry',
    '--public-network-enabled',
    'false',
    '--query',
    'publicNetworkAccess',
    '-o',
    'tsv',
  );
  assert.equal(r.stdout.trim(), 'Disabled');
  r = await cli(
    'acr',
    'update',
    '--name',
    'myregistry',
    '--allow-trusted-services',
    'false',
    '--query',
    'networkRuleBypassOptions',
    '-o',
    'tsv',
  );
  assert.equal(r.stdout.trim(), 'None');
  r = await cli(
    'acr',
    'update',
    '--name',
    'myregistry',
    '--default-action',
    'Deny',
    '--query',
    'networkRuleSet.defaultAction',
    '-o',
    'tsv',
  );
  assert.equal(r.stdout.trim(), 'Deny');
  r = await cli('acr', 'network-rule', 'add', '-n', 'myregistry', '--ip-address', '127.0.0.7');
  assert.equal(r.code, 0, r.stderr);
  r = await cli(
    'acr',
    'network-rule',
    'list',
    '-n',
    'myregistry',
    '--query',
    'ipRules[0].ipAddressOrRange',
    '-o',
    'tsv',
  );
  assert.equal(r.stdout.trim(), '127.0.0.7');
  r = await cli('acr', 'network-rule', 'remove', '-n', 'myregistry', '--ip-address', '127.0.0.7');
  assert.equal(r.code, 0, r.stderr);
  r = await cli('acr', 'update', '--name', 'myregistry', '--public-network-enabled', 'maybe');
  assert.equal(r.code, 2);
});

test('no server reachable gives a clear error', async () => {
  const r = await cliFor('/nonexistent-dockyard-dir', { DOCKYARD_ENDPOINT: 'http://127.0.0.1:9' })('group', 'list');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERROR: \(CliConnection\)/);
});
