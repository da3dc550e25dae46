import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionsFrom, flat } from '../../../src/cli/commands/acr-scope-map.js';
import { expiryOf } from '../../../src/cli/commands/acr-token.js';
import { grantedBy, normalizeActions, repositoryMatches } from '../../../src/registry/scope-maps.js';

test('--repository REPO ACT... groups actions under the repository before them (repeats merged by commander)', () => {
  assert.deepEqual(
    actionsFrom(['app/*', 'content/read', 'Content/Write', 'other', 'metadata/read'], 'repositories', '--repository'),
    ['repositories/app/*/content/read', 'repositories/app/*/content/write', 'repositories/other/metadata/read'],
  );
  assert.throws(() => actionsFrom(['content/read'], 'repositories', '--repository'), /format/);
  assert.throws(
    () => actionsFrom(['app', 'other', 'content/read'], 'repositories', '--repository'),
    /'app' has no actions/,
  );
  assert.deepEqual(actionsFrom(['edge', 'config/read'], 'gateway', '--gateway'), ['gateway/edge/config/read']);
});

test('az-style flattening keeps the resource type and names the scope map type typePropertiesType', () => {
  assert.deepEqual(
    flat({
      id: 'i',
      type: 'Microsoft.ContainerRegistry/registries/scopeMaps',
      properties: { type: 'UserDefined', actions: ['a'] },
    }),
    {
      id: 'i',
      type: 'Microsoft.ContainerRegistry/registries/scopeMaps',
      actions: ['a'],
      typePropertiesType: 'UserDefined',
    },
  );
});

test('expiry flags', () => {
  assert.equal(expiryOf({}), undefined);
  assert.equal(expiryOf({ expiration: '2025-12-31T12:59:59Z' }), '2025-12-31T12:59:59.000Z');
  assert.ok(Date.parse(expiryOf({ days: '2' })!) > Date.now() + 86_400_000);
  assert.throws(() => expiryOf({ expirationInDays: '0' }), /positive/);
  assert.throws(() => expiryOf({ expirationInDays: '1', expiration: '2025-01-01' }), /only one/);
});

test('scope map grammar and matching: app/* covers app/web, not app or apple/x; * covers all', () => {
  assert.deepEqual(
    normalizeActions([
      'Repositories/App/*/Content/Read',
      'repositories/app/*/content/read',
      'repositories/*/metadata/write',
    ]),
    ['repositories/app/*/content/read', 'repositories/*/metadata/write'],
  );
  for (const bad of [
    'repositories/app/content/fly',
    'repositories//content/read',
    'repos/app/content/read',
    'repositories/app/**/content/read',
  ])
    assert.throws(() => normalizeActions([bad]), /invalid/, bad);
  assert.throws(() => normalizeActions([]), /non-empty/);
  assert.ok(repositoryMatches('app/*', 'app/web'));
  assert.ok(repositoryMatches('app/*', 'app/web/deep'));
  assert.ok(!repositoryMatches('app/*', 'app'));
  assert.ok(!repositoryMatches('app/*', 'apple/x'));
  assert.ok(repositoryMatches('*', 'anything/at/all'));
  assert.ok(repositoryMatches('app', 'APP'));
  assert.deepEqual(
    grantedBy(
      ['repositories/app/*/content/read', 'repositories/app/web/content/delete', 'repositories/*/metadata/read'],
      'app/web',
    ).sort(),
    ['delete', 'metadata_read', 'pull'],
  );
  assert.deepEqual(grantedBy(['repositories/app/*/content/write'], 'other/x'), []);
});
