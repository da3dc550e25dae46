import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';

// Scope maps and tokens count against ACR's SKU limits (Basic 100, Standard 500, Premium 50,000): a create over the
// limit is refused with QuotaExceeded, updates of existing ones are not, and `acr show-usage` lists both rows.
test('scope maps and tokens are limited per SKU and shown by show-usage', { timeout: 180_000 }, async (t) => {
  const ts = await startTestServer();
  t.after(() => ts.cleanup());
  const reg = `/subscriptions/${ts.sub}/resourcegroups/limrg/providers/Microsoft.ContainerRegistry/registries/limreg`;
  await ts.api(`/subscriptions/${ts.sub}/resourcegroups/limrg?api-version=2022-09-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  const created = await ts.api(`${reg}?api-version=2023-07-01`, {
    method: 'PUT',
    body: { location: 'eastus', sku: { name: 'Basic' } },
  });
  assert.equal(created.status, 201, created.text);
  const arm = (path: string, method = 'GET', body?: unknown) =>
    ts.api(`${reg}${path}?api-version=2022-02-01-preview`, { method, body });

  const map = (n: number) => ({ properties: { actions: [`repositories/app${n}/content/read`] } });
  for (let i = 0; i < 100; i++) assert.equal((await arm(`/scopeMaps/map-${i}`, 'PUT', map(i))).status, 201);
  const overMap = await arm('/scopeMaps/map-100', 'PUT', map(100));
  assert.equal(overMap.status, 400);
  assert.equal(overMap.json.error.code, 'QuotaExceeded');
  assert.match(overMap.json.error.message, /Quota exceeded for resource type scopeMaps for the registry SKU Basic/);
  // Replacing an existing map is not a create.
  assert.equal((await arm('/scopeMaps/map-0', 'PUT', map(7))).status, 200);

  const token = { properties: { scopeMapId: `${reg}/scopeMaps/map-1`, status: 'enabled' } };
  for (let i = 0; i < 100; i++) assert.equal((await arm(`/tokens/token-${i}`, 'PUT', token)).status, 201);
  const overToken = await arm('/tokens/token-100', 'PUT', token);
  assert.equal(overToken.status, 400);
  assert.equal(overToken.json.error.code, 'QuotaExceeded');
  assert.match(overToken.json.error.message, /resource type tokens for the registry SKU Basic/);

  const cli = cliFor(ts.dataDir);
  const shown = await cli('acr', 'show-usage', '-n', 'limreg');
  assert.equal(shown.code, 0, shown.stderr);
  const value = JSON.parse(shown.stdout).value as Array<{ name: string }>;
  assert.deepEqual(
    value.find((u) => u.name === 'ScopeMaps'),
    { name: 'ScopeMaps', limit: 100, currentValue: 100, unit: 'Count' },
  );
  assert.deepEqual(
    value.find((u) => u.name === 'Tokens'),
    { name: 'Tokens', limit: 100, currentValue: 100, unit: 'Count' },
  );
  const table = await cli('acr', 'show-usage', '-n', 'limreg', '-o', 'table');
  assert.match(table.stdout, /ScopeMaps\s+100\s+100\s+Count/);
  assert.match(table.stdout, /Tokens\s+100\s+100\s+Count/);

  // Standard raises both limits to 500.
  const up = await ts.api(`${reg}?api-version=2023-07-01`, { method: 'PATCH', body: { sku: { name: 'Standard' } } });
  assert.equal(up.status, 200, up.text);
  assert.equal((await arm('/scopeMaps/map-100', 'PUT', map(100))).status, 201);
  assert.equal((await arm('/tokens/token-100', 'PUT', token)).status, 201);
  const after = (await arm('/listUsages')).json.value as Array<{ name: string; limit: number; currentValue: number }>;
  assert.deepEqual(
    after.filter((u) => u.name === 'ScopeMaps' || u.name === 'Tokens').map((u) => [u.name, u.limit, u.currentValue]),
    [
      ['ScopeMaps', 500, 101],
      ['Tokens', 500, 101],
    ],
  );
});
