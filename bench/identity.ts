// Token issue + verify throughput of the identity service, with jose (the reference JOSE library) verifying the same
// tokens as the baseline peer, and the authorize() decision rate. Usage: node --import tsx bench/identity.ts [seconds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import {
  IdentityService,
  Directory,
  directoryMigrations,
  clientSecretMigrations,
  RESOURCES,
  SigningKeyRing,
} from '../src/identity/index.js';
import { authorize, BUILT_IN_ROLES, findRoleDefinition } from '../src/rbac/index.js';
import { migrateToLatest, openSqlite } from '../src/storage/index.js';
import { clusterMigrations, SharedKeys } from '../src/cluster/index.js';
import { SecretCipher } from '../src/shared/index.js';
import { randomBytes } from 'node:crypto';

const seconds = Number(process.argv[2] ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'dy-idbench-'));
const db = openSqlite({ path: join(dir, 'bench.db') });
await migrateToLatest(db, [clusterMigrations, directoryMigrations, clientSecretMigrations]);
const ring = await SigningKeyRing.open(new SharedKeys(db, new SecretCipher(randomBytes(32))));
const directory = new Directory(db);
const tenantId = await directory.ensureDefaultTenant();
const admin = await directory.createPrincipal({
  type: 'User',
  displayName: 'bench',
  objectId: '00000000-0000-0000-0000-00000000ad01',
});
const svc = new IdentityService(db, tenantId, ring, { principal: admin, key: 'k' }, () => 'http://127.0.0.1:6400');
const mi = await svc.createManagedIdentity({
  resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/bench',
  displayName: 'bench',
  kind: 'UserAssigned',
});

async function rate(label: string, f: () => Promise<unknown> | unknown): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await f();
    n += 100;
  }
  const r = n / seconds;
  console.log(`${label.padEnd(48)} ${Math.round(r).toLocaleString('en-US').padStart(10)} ops/s`);
  return r;
}

const token = (await svc.issueTokenForPrincipal(mi.principalId, RESOURCES.management)).accessToken;
const jwks = createLocalJWKSet(svc.keys.jwks() as never);
const issuer = svc.tokens.issuer();
console.log(`identity bench: ${seconds}s per measure, RS256 2048-bit, node ${process.version}`);
await rate('issue (sign + directory lookup)', () => svc.issueTokenForPrincipal(mi.principalId, RESOURCES.management));
await rate('verify: signature + claims (sync)', () => svc.tokens.verifyClaims(token, [RESOURCES.management]));
const verify = await rate('verifyAccessToken (+ principal lookup)', () =>
  svc.verifyAccessToken(token, [RESOURCES.management]),
);
await rate('baseline: jose jwtVerify, same token + JWKS', () =>
  jwtVerify(token, jwks, { issuer, audience: RESOURCES.management }),
);
const owner = findRoleDefinition(BUILT_IN_ROLES, 'AcrPush')!.id;
const grants = Array.from({ length: 50 }, (_, i) => ({
  principalId: i === 49 ? mi.principalId : `p${i}`,
  roleDefinitionId: owner,
  scope: `/subscriptions/s/resourceGroups/rg${i}`,
}));
await rate('authorize() over 50 assignments', () =>
  authorize(
    grants,
    BUILT_IN_ROLES,
    mi.principalId,
    'Microsoft.ContainerRegistry/registries/push/write',
    '/subscriptions/s/resourceGroups/rg49/providers/Microsoft.ContainerRegistry/registries/r',
  ),
);
console.log(`target > 5,000 verifications/s: ${verify > 5000 ? 'met' : 'NOT met'}`);
await db.destroy();
ring.stop();
rmSync(dir, { recursive: true, force: true });
