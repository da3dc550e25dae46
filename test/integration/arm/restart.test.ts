import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../../helpers/server.js';

test('a restart keeps every resource and each registry keeps its login server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-restart-'));
  try {
    const a = await startTestServer({}, dir);
    await a.api(`/subscriptions/${a.sub}/resourcegroups/keep?api-version=2022-09-01`, {
      method: 'PUT',
      body: { location: 'eastus' },
    });
    const reg = await a.api(
      `/subscriptions/${a.sub}/resourceGroups/keep/providers/Microsoft.ContainerRegistry/registries/keepregistry?api-version=2025-04-01`,
      { method: 'PUT', body: { sku: { name: 'Standard' } } },
    );
    const id = await a.api(
      `/subscriptions/${a.sub}/resourceGroups/keep/providers/Microsoft.ManagedIdentity/userAssignedIdentities/keepid?api-version=2023-01-31`,
      { method: 'PUT', body: { location: 'eastus' } },
    );
    await a.cleanup();

    const b = await startTestServer({}, dir);
    assert.equal(b.sub, a.sub);
    assert.equal(b.platform.tenantId, a.platform.tenantId);
    const reg2 = await b.api(
      `/subscriptions/${b.sub}/resourceGroups/keep/providers/Microsoft.ContainerRegistry/registries/keepregistry?api-version=2025-04-01`,
    );
    assert.equal(reg2.status, 200);
    assert.equal(reg2.json.loginServer, reg.json.loginServer);
    const id2 = await b.api(
      `/subscriptions/${b.sub}/resourceGroups/keep/providers/Microsoft.ManagedIdentity/userAssignedIdentities/keepid?api-version=2023-01-31`,
    );
    assert.equal(id2.json.principalId, id.json.principalId);
    await b.cleanup();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
