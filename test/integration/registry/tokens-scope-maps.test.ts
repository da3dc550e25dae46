import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistryHarness, pushImage } from '../../conformance/registry-harness.js';

const V = '2020-11-01-preview';

test(
  'ARM scope maps and tokens: shapes, system maps, generateCredentials, in-use refusal; the data plane honours them',
  { timeout: 60_000 },
  async (t) => {
    const h = await startRegistryHarness({ name: 'tokreg' });
    t.after(() => h.cleanup());
    const regId = `/subscriptions/${h.ts.sub}/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/tokreg`;
    const arm = (path: string, method = 'GET', body?: unknown) =>
      h.ts.api(
        `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/tokreg${path}${path.includes('?') ? '&' : '?'}api-version=${V}`,
        { method, body },
      );

    // System scope maps are there on every registry.
    const maps = await arm('/scopeMaps');
    assert.equal(maps.status, 200);
    const names = maps.json.value.map((m: { name: string }) => m.name);
    for (const n of ['_repositories_pull', '_repositories_push', '_repositories_admin'])
      assert.ok(names.includes(n), n);
    const pull = maps.json.value.find((m: { name: string }) => m.name === '_repositories_pull');
    assert.equal(pull.properties.type, 'SystemDefined');
    assert.deepEqual(pull.properties.actions, ['repositories/*/content/read']);
    assert.equal((await arm('/scopeMaps/_repositories_pull', 'DELETE')).status, 400);

    // A user-defined map.
    const bad = await arm('/scopeMaps/appmap', 'PUT', { properties: { actions: ['repositories/app/*/content/fly'] } });
    assert.equal(bad.status, 400);
    const created = await arm('/scopeMaps/AppMap', 'PUT', {
      properties: {
        description: 'CI for app',
        actions: [
          'repositories/app/*/content/read',
          'repositories/APP/*/content/write',
          'repositories/app/*/content/read',
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.id, `${regId}/scopeMaps/AppMap`);
    assert.equal(created.json.type, 'Microsoft.ContainerRegistry/registries/scopeMaps');
    assert.deepEqual(created.json.properties.actions, [
      'repositories/app/*/content/read',
      'repositories/app/*/content/write',
    ]);
    assert.equal(created.json.properties.type, 'UserDefined');
    assert.equal(created.json.properties.provisioningState, 'Succeeded');
    assert.equal(created.json.properties.description, 'CI for app');
    const patched = await arm('/scopeMaps/appmap', 'PATCH', { properties: { description: 'CI' } });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.properties.description, 'CI');
    assert.equal(patched.json.properties.actions.length, 2);

    // A token on it; PUT creates it without passwords, generateCredentials returns the values once.
    const tok = await arm('/tokens/ci-token', 'PUT', {
      properties: { scopeMapId: `${regId}/scopeMaps/AppMap`, status: 'enabled' },
    });
    assert.equal(tok.status, 201, tok.text);
    assert.equal(tok.json.type, 'Microsoft.ContainerRegistry/registries/tokens');
    assert.equal(tok.json.properties.scopeMapId, `${regId}/scopeMaps/AppMap`);
    assert.equal(tok.json.properties.status, 'enabled');
    assert.deepEqual(tok.json.properties.credentials, { certificates: [], passwords: [] });
    assert.ok(tok.json.properties.creationDate);
    const gen = await h.ts.api(`${regId}/generateCredentials?api-version=${V}`, {
      method: 'POST',
      body: { tokenId: tok.json.id },
    });
    assert.equal(gen.status, 200, gen.text);
    assert.equal(gen.json.username, 'ci-token');
    assert.deepEqual(
      gen.json.passwords.map((p: { name: string }) => p.name),
      ['password1', 'password2'],
    );
    const [p1, p2] = gen.json.passwords.map((p: { value: string }) => p.value);
    assert.ok(p1.length >= 32 && p1 !== p2);
    const shown = await arm('/tokens/ci-token');
    assert.deepEqual(
      shown.json.properties.credentials.passwords.map((p: { name: string; value?: string }) => [p.name, p.value]),
      [
        ['password1', undefined],
        ['password2', undefined],
      ],
    );
    assert.ok(!shown.text.includes(p1), 'password values are never shown again');
    assert.equal((await arm('/tokens')).json.value.length, 1);

    // Deleting a map in use is refused.
    const inUse = await arm('/scopeMaps/appmap', 'DELETE');
    assert.equal(inUse.status, 409);
    assert.match(inUse.json.error.message, /ci-token/);

    // Data plane: the token may push/pull app/*, nothing else, and cannot list the catalog.
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    const auth = basic('ci-token', p1);
    await pushImage(h, 'app/web', 'v1', auth);
    const denied = await h.fetch('/v2/other/x/blobs/uploads/', { method: 'POST', auth });
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { errors: Array<{ code: string }> }).errors[0].code, 'DENIED');
    assert.equal((await h.fetch('/v2/app/web/manifests/v1', { auth: basic('ci-token', p2) })).status, 200);
    assert.equal(
      (await h.fetch('/v2/app/web/manifests/v1', { method: 'DELETE', auth })).status,
      403,
      'no content/delete',
    );
    const tokenRes = await h.fetch(
      `/oauth2/token?service=${h.loginServer}&scope=repository:app/web:pull,push,delete&scope=registry:catalog:*&scope=repository:other/x:pull`,
      { auth },
    );
    assert.equal(tokenRes.status, 200);
    const claims = JSON.parse(
      Buffer.from(
        ((await tokenRes.json()) as { access_token: string }).access_token.split('.')[1],
        'base64url',
      ).toString(),
    );
    assert.deepEqual(claims.access, [{ type: 'repository', name: 'app/web', actions: ['pull', 'push'] }]);
    assert.equal(
      (await h.fetch(`/oauth2/token?service=${h.loginServer}`, { auth: basic('ci-token', 'wrong') })).status,
      401,
    );

    // A refresh token issued to the token stops working once the token is disabled.
    const rt = await h.fetch(`/oauth2/token?service=${h.loginServer}&offline_token=true`, { auth });
    const refresh = ((await rt.json()) as { refresh_token: string }).refresh_token;
    const form = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        service: h.loginServer,
        refresh_token: refresh,
        scope: 'repository:app/web:pull',
      }).toString(),
    };
    assert.equal((await h.fetch('/oauth2/token', form)).status, 200);
    const dis = await arm('/tokens/ci-token', 'PATCH', { properties: { status: 'disabled' } });
    assert.equal(dis.json.properties.status, 'disabled');
    assert.equal((await h.fetch(`/oauth2/token?service=${h.loginServer}`, { auth })).status, 401);
    assert.equal((await h.fetch('/oauth2/token', form)).status, 401);
    await arm('/tokens/ci-token', 'PATCH', { properties: { status: 'enabled' } });
    assert.equal((await h.fetch('/v2/app/web/manifests/v1', { auth })).status, 200);

    // An expired password fails; the other one still works. Dropping a password (credential delete) revokes it.
    const exp = await h.ts.api(`${regId}/generateCredentials?api-version=${V}`, {
      method: 'POST',
      body: { tokenId: tok.json.id, name: 'password1', expiry: '2020-01-01T00:00:00Z' },
    });
    assert.equal(exp.json.passwords.length, 1);
    const expired = exp.json.passwords[0].value as string;
    assert.equal(
      (await h.fetch(`/oauth2/token?service=${h.loginServer}`, { auth: basic('ci-token', expired) })).status,
      401,
    );
    assert.equal((await h.fetch('/v2/app/web/manifests/v1', { auth: basic('ci-token', p2) })).status, 200);
    const dropped = await arm('/tokens/ci-token', 'PATCH', {
      properties: { credentials: { passwords: [{ name: 'password1' }] } },
    });
    assert.deepEqual(
      dropped.json.properties.credentials.passwords.map((p: { name: string }) => p.name),
      ['password1'],
    );
    assert.equal((await h.fetch('/v2/app/web/manifests/v1', { auth: basic('ci-token', p2) })).status, 401);

    // A token on a system map; switching maps changes access at once.
    const gen2 = await h.ts.api(`${regId}/generateCredentials?api-version=${V}`, {
      method: 'POST',
      body: { tokenId: tok.json.id, name: 'password2' },
    });
    const p2b = gen2.json.passwords[0].value as string;
    await arm('/tokens/ci-token', 'PATCH', { properties: { scopeMapId: `${regId}/scopeMaps/_repositories_pull` } });
    assert.equal(
      (await h.fetch('/v2/other/x/tags/list', { auth: basic('ci-token', p2b) })).status,
      404,
      'authorized to read any repository',
    );
    assert.equal(
      (await h.fetch('/v2/app/web/blobs/uploads/', { method: 'POST', auth: basic('ci-token', p2b) })).status,
      403,
    );

    // Deleting the token ends it; then the map can go.
    assert.equal((await arm('/tokens/ci-token', 'DELETE')).status, 200);
    assert.equal((await h.fetch('/v2/app/web/manifests/v1', { auth: basic('ci-token', p2b) })).status, 401);
    assert.equal((await arm('/tokens/ci-token')).status, 404);
    assert.equal((await arm('/scopeMaps/appmap', 'DELETE')).status, 200);
    assert.equal((await arm('/scopeMaps/appmap')).status, 404);
    assert.equal(
      (await arm('/tokens/ci-token2', 'PUT', { properties: { scopeMapId: `${regId}/scopeMaps/missing1` } })).status,
      404,
    );
  },
);

test('tokens are per registry and their ARM operations need RBAC', { timeout: 60_000 }, async (t) => {
  const h = await startRegistryHarness({ name: 'tokreg1' });
  t.after(() => h.cleanup());
  const other = await h.createRegistry('tokreg2');
  const path = (reg: string, rest: string) =>
    `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/${reg}${rest}?api-version=${V}`;
  const tok = await h.ts.api(path('tokreg1', '/tokens/pusher'), {
    method: 'PUT',
    body: { properties: { scopeMapId: '_repositories_push' } },
  });
  assert.equal(tok.status, 201, tok.text);
  const gen = await h.ts.api(path('tokreg1', '/generateCredentials'), {
    method: 'POST',
    body: { tokenId: tok.json.id },
  });
  const auth = `Basic ${Buffer.from(`pusher:${gen.json.passwords[0].value}`).toString('base64')}`;
  await pushImage(h, 'any/repo', 'v1', auth);
  const r = await fetch(`http://${other.loginServer}/v2/any/repo/tags/list`, { headers: { authorization: auth } });
  assert.equal(r.status, 401, 'a token of another registry is unknown here');
  // generateCredentials for a token of another registry is refused.
  const cross = await h.ts.api(path('tokreg2', '/generateCredentials'), {
    method: 'POST',
    body: { tokenId: tok.json.id },
  });
  assert.equal(cross.status, 400);
  // Unauthenticated ARM calls are refused.
  const anon = await fetch(`${h.ts.endpoint}${path('tokreg1', '/tokens')}`);
  assert.equal(anon.status, 401);
  // Deleting the registry removes its tokens.
  const del = await h.ts.api(path('tokreg1', '').replace(V, '2025-04-01'), { method: 'DELETE' });
  assert.equal(del.status, 200, del.text);
  await h.createRegistry('tokreg1');
  assert.equal((await h.ts.api(path('tokreg1', '/tokens'))).json.value.length, 0);
});
