import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, MemoryBlobStore } from '../../../src/storage/index.js';
import { openTestDatabase } from '../../helpers/database.js';
import { eventMigrations } from '../../../src/events/index.js';
import {
  createRegistryModule,
  registryMigrations,
  type RegistryAccessPort,
  type RegistryInfo,
} from '../../../src/registry/index.js';
import { createLogger, type Principal } from '../../../src/shared/index.js';
import { memoryKeyStore } from '../../../src/registry/index.js';

// The registry module on its own, with a test AAD verifier and RBAC port (what the identity module will provide).
test('POST /oauth2/exchange turns a verified AAD token into a refresh token; RBAC decides the scopes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-exchange-'));
  const db = await openTestDatabase();
  t.after(() => db.destroy());
  await migrateToLatest(db, [eventMigrations, registryMigrations]);
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const loginServer = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const reg: RegistryInfo = {
    id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/unit',
    name: 'unit',
    loginServer,
    adminUserEnabled: false,
  };
  const reader: Principal = { objectId: 'reader-oid', tenantId: 'tid', type: 'ManagedIdentity', displayName: 'mi' };
  const access: RegistryAccessPort = {
    async authenticateBasic() {
      return null;
    },
    async verifyAadToken(token) {
      if (token !== 'good-aad-token') throw new Error('bad token');
      return reader;
    },
    async grantedActions(p, _r, repo, requested) {
      return p.objectId === 'reader-oid' && repo === 'my-website'
        ? requested.filter((a) => a === 'pull' || a === 'metadata_read')
        : [];
    },
  };
  const mod = await createRegistryModule({
    db,
    dataDir: dir,
    tenantId: 'tid',
    access,
    log: createLogger('silent'),
    gcGraceSeconds: 60,
    gcIntervalMs: 0,
    blobs: new MemoryBlobStore(),
    keys: memoryKeyStore(),
    directory: { byName: async () => reg, byArmPath: async () => reg },
  });
  server.on('request', (req, res) => mod.handler('unit', req, res));
  t.after(async () => {
    await mod.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const form = (o: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(o),
  });
  const bad = await fetch(
    `http://${loginServer}/oauth2/exchange`,
    form({ grant_type: 'access_token', service: loginServer, access_token: 'forged' }),
  );
  assert.equal(bad.status, 401);
  const wrongGrant = await fetch(
    `http://${loginServer}/oauth2/exchange`,
    form({ grant_type: 'password', service: loginServer, access_token: 'good-aad-token' }),
  );
  assert.equal(wrongGrant.status, 400);
  const ex = await fetch(
    `http://${loginServer}/oauth2/exchange`,
    form({ grant_type: 'access_token', service: loginServer, access_token: 'good-aad-token', tenant: 'tid' }),
  );
  assert.equal(ex.status, 200);
  const { refresh_token } = (await ex.json()) as { refresh_token: string };
  const tok = await fetch(
    `http://${loginServer}/oauth2/token`,
    form({
      grant_type: 'refresh_token',
      service: loginServer,
      refresh_token,
      scope: 'repository:my-website:pull,push',
    }),
  );
  const { access_token } = (await tok.json()) as { access_token: string };
  const payload = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString());
  assert.deepEqual(payload.access, [{ type: 'repository', name: 'my-website', actions: ['pull'] }]);
  assert.equal(payload.aud, loginServer);
  assert.equal(payload.iss, 'Azure Container Registry');
  assert.equal(payload.exp - payload.iat, 4500);
  const list = await fetch(`http://${loginServer}/v2/my-website/tags/list`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  assert.equal(list.status, 404, 'authorized; the repository does not exist yet');
  const push = await fetch(`http://${loginServer}/v2/my-website/blobs/uploads/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${access_token}` },
  });
  assert.equal(push.status, 401);
  // Basic with the null GUID and the refresh token works directly too.
  const basic = `Basic ${Buffer.from(`00000000-0000-0000-0000-000000000000:${refresh_token}`).toString('base64')}`;
  assert.equal(
    (
      await fetch(`http://${loginServer}/oauth2/token?service=${loginServer}&scope=repository:my-website:pull`, {
        headers: { authorization: basic },
      })
    ).status,
    200,
  );
  // A refresh token for another login server is refused.
  const other = await fetch(
    `http://${loginServer}/oauth2/token`,
    form({ grant_type: 'refresh_token', service: 'elsewhere:1', refresh_token, scope: 'repository:my-website:pull' }),
  );
  assert.equal(other.status, 400);
});
