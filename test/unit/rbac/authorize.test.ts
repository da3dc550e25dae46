import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  authorize,
  actionMatches,
  BUILT_IN_ROLES,
  findRoleDefinition,
  scopeCovers,
  grantedOf,
} from '../../../src/rbac/index.js';

const SUB = '/subscriptions/11111111-1111-1111-1111-111111111111';
const RG = `${SUB}/resourceGroups/myResourceGroup`;
const REG = `${RG}/providers/Microsoft.ContainerRegistry/registries/myregistry`;
const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/mykeyvault`;
const P = 'aaaaaaaa-0000-0000-0000-000000000001';
const role = (n: string) => findRoleDefinition(BUILT_IN_ROLES, n)!.id;
const grant = (r: string, scope: string, principalId = P) => [{ principalId, roleDefinitionId: role(r), scope }];

test('wildcards match across segments and case-insensitively', () => {
  assert.ok(actionMatches('*', 'Microsoft.ContainerRegistry/registries/write'));
  assert.ok(actionMatches('*/read', 'microsoft.containerregistry/registries/pull/read'));
  assert.ok(actionMatches('Microsoft.KeyVault/vaults/*/read', 'Microsoft.KeyVault/vaults/secrets/read'));
  assert.ok(!actionMatches('*/read', 'Microsoft.ContainerRegistry/registries/push/write'));
  assert.ok(!actionMatches('Microsoft.Authorization/*/Write', 'Microsoft.Authorization/roleAssignments/read'));
});

test('scopes are inherited downward only, segment-wise, case-insensitive', () => {
  assert.ok(scopeCovers(RG, REG));
  assert.ok(scopeCovers(RG.toUpperCase(), REG));
  assert.ok(scopeCovers('/', REG));
  assert.ok(!scopeCovers(REG, RG));
  assert.ok(!scopeCovers(`${SUB}/resourceGroups/my`, RG), 'a prefix of a name is not a parent');
});

// role x scope x action -> allowed?
const MATRIX: Array<[string, string, string, string, boolean]> = [
  ['Owner', SUB, 'Microsoft.Authorization/roleAssignments/write', RG, true],
  ['Contributor', SUB, 'Microsoft.Authorization/roleAssignments/write', RG, false],
  ['Contributor', SUB, 'Microsoft.ContainerRegistry/registries/write', REG, true],
  ['Contributor', RG, 'Microsoft.ContainerRegistry/registries/push/write', REG, true],
  ['Reader', RG, 'Microsoft.ContainerRegistry/registries/read', REG, true],
  ['Reader', RG, 'Microsoft.ContainerRegistry/registries/pull/read', REG, true],
  ['Reader', RG, 'Microsoft.ContainerRegistry/registries/push/write', REG, false],
  ['Reader', REG, 'Microsoft.Resources/subscriptions/resourceGroups/read', RG, false],
  ['AcrPull', REG, 'Microsoft.ContainerRegistry/registries/pull/read', REG, true],
  ['AcrPull', REG, 'Microsoft.ContainerRegistry/registries/push/write', REG, false],
  ['AcrPush', REG, 'Microsoft.ContainerRegistry/registries/push/write', REG, true],
  ['AcrPush', REG, 'Microsoft.ContainerRegistry/registries/artifacts/delete', REG, false],
  ['AcrPush', REG, 'Microsoft.ContainerRegistry/registries/read', REG, false],
  ['AcrDelete', RG, 'Microsoft.ContainerRegistry/registries/artifacts/delete', REG, true],
  [
    'acrpush',
    `${RG}/providers/Microsoft.ContainerRegistry/registries/other`,
    'Microsoft.ContainerRegistry/registries/push/write',
    REG,
    false,
  ],
  ['User Access Administrator', SUB, 'Microsoft.Authorization/roleAssignments/write', REG, true],
  ['User Access Administrator', SUB, 'Microsoft.ContainerRegistry/registries/write', REG, false],
];
for (const [r, scope, action, target, expected] of MATRIX) {
  test(`${r} at ${scope.split('/').slice(-2).join('/')}: ${action} on ${target.split('/').pop()} -> ${expected ? 'allow' : 'deny'}`, () => {
    assert.equal(authorize(grant(r, scope), BUILT_IN_ROLES, P, action, target), expected);
  });
}

test('data actions are separate from actions: Owner cannot read vault secrets, Secrets User can', () => {
  const get = 'Microsoft.KeyVault/vaults/secrets/getSecret/action';
  assert.equal(authorize(grant('Owner', SUB), BUILT_IN_ROLES, P, get, VAULT, 'dataAction'), false);
  assert.equal(authorize(grant('Key Vault Secrets User', VAULT), BUILT_IN_ROLES, P, get, VAULT, 'dataAction'), true);
  assert.equal(
    authorize(
      grant('Key Vault Secrets User', VAULT),
      BUILT_IN_ROLES,
      P,
      'Microsoft.KeyVault/vaults/secrets/setSecret/action',
      VAULT,
      'dataAction',
    ),
    false,
  );
  assert.equal(
    authorize(
      grant('Key Vault Secrets Officer', RG),
      BUILT_IN_ROLES,
      P,
      'Microsoft.KeyVault/vaults/secrets/setSecret/action',
      VAULT,
      'dataAction',
    ),
    true,
  );
});

test('deny by default: no assignment, another principal, unknown role', () => {
  assert.equal(authorize([], BUILT_IN_ROLES, P, 'Microsoft.ContainerRegistry/registries/read', REG), false);
  assert.equal(
    authorize(grant('Owner', SUB, 'bbbbbbbb-0000-0000-0000-000000000002'), BUILT_IN_ROLES, P, 'x/read', REG),
    false,
  );
  assert.equal(
    authorize(
      [{ principalId: P, roleDefinitionId: 'deadbeef-0000-0000-0000-000000000000', scope: SUB }],
      BUILT_IN_ROLES,
      P,
      'x/read',
      REG,
    ),
    false,
  );
});

test('grantedOf scopes a token to what the principal holds', () => {
  const acts = [
    'Microsoft.ContainerRegistry/registries/pull/read',
    'Microsoft.ContainerRegistry/registries/push/write',
    'Microsoft.ContainerRegistry/registries/artifacts/delete',
  ];
  assert.deepEqual(grantedOf(grant('AcrPush', REG), BUILT_IN_ROLES, P, acts, REG), acts.slice(0, 2));
  assert.deepEqual(grantedOf(grant('Reader', RG), BUILT_IN_ROLES, P, acts, REG), acts.slice(0, 1));
});

test('role lookup by name (any case), GUID or full id', () => {
  assert.equal(findRoleDefinition(BUILT_IN_ROLES, 'acrpush')?.roleName, 'AcrPush');
  assert.equal(findRoleDefinition(BUILT_IN_ROLES, 'reader')?.id, 'acdd72a7-3385-48ef-bd42-f606fba81ae7');
  assert.equal(
    findRoleDefinition(
      BUILT_IN_ROLES,
      '/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d',
    )?.roleName,
    'AcrPull',
  );
  assert.equal(findRoleDefinition(BUILT_IN_ROLES, 'nope'), undefined);
});
