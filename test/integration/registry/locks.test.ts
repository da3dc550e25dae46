import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistryHarness, pushImage } from '../../conformance/registry-harness.js';

const DISALLOWED = 'REGISTRY_DISALLOWED_OPERATION';

test(
  'locks: changeable attributes of repositories, tags and manifests are shown, patched and enforced',
  { timeout: 60_000 },
  async (t) => {
    const h = await startRegistryHarness({ name: 'lockreg' });
    t.after(() => h.cleanup());
    const auth = h.adminBasic;
    const v1 = await pushImage(h, 'app/web', 'v1', auth);
    await pushImage(h, 'app/web', 'v2', auth, [Buffer.from('two')]);
    await pushImage(h, 'secret/db', 'v1', auth, [Buffer.from('db')]);
    const patch = (path: string, body: unknown) =>
      h.fetch(path, {
        method: 'PATCH',
        auth,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const expectDisallowed = async (r: Response, what: string) => {
      assert.equal(r.status, 405, what);
      const b = (await r.json()) as { errors: Array<{ code: string; message: string }> };
      assert.equal(b.errors[0].code, DISALLOWED, what);
      assert.match(b.errors[0].message, /^The operation is disallowed on this registry, repository or image\./);
    };

    // Defaults.
    const repo = (await (await h.fetch('/acr/v1/app/web', { auth })).json()) as {
      changeableAttributes: Record<string, boolean>;
    };
    assert.deepEqual(repo.changeableAttributes, {
      deleteEnabled: true,
      writeEnabled: true,
      readEnabled: true,
      listEnabled: true,
      teleportEnabled: false,
    });

    // Tag lock: overwrite and delete refused, other tags unaffected; shown in GET.
    const locked = await patch('/acr/v1/app/web/_tags/v1', { writeEnabled: false });
    assert.equal(locked.status, 200);
    assert.deepEqual(await locked.json(), {
      deleteEnabled: true,
      writeEnabled: false,
      readEnabled: true,
      listEnabled: true,
    });
    const tag = (await (await h.fetch('/acr/v1/app/web/_tags/v1', { auth })).json()) as {
      tag: { changeableAttributes: Record<string, boolean> };
    };
    assert.equal(tag.tag.changeableAttributes.writeEnabled, false);
    await assert.rejects(pushImage(h, 'app/web', 'v1', auth, [Buffer.from('overwrite')]), /405/);
    await pushImage(h, 'app/web', 'v3', auth, [Buffer.from('three')]);
    await expectDisallowed(await h.fetch('/v2/app/web/manifests/v1', { method: 'DELETE', auth }), 'tag delete');
    await expectDisallowed(await h.fetch('/acr/v1/app/web/_tags/v1', { method: 'DELETE', auth }), 'acr tag delete');
    await expectDisallowed(
      await h.fetch(`/v2/app/web/manifests/${v1.digest}`, { method: 'DELETE', auth }),
      'manifest delete through a locked tag',
    );
    await expectDisallowed(
      await h.fetch('/acr/v1/app/web', { method: 'DELETE', auth }),
      'repository delete with a locked image',
    );
    assert.equal((await h.fetch('/v2/app/web/manifests/v1', { auth })).status, 200, 'still readable');
    await patch('/acr/v1/app/web/_tags/v1', { writeEnabled: true, deleteEnabled: false });
    await expectDisallowed(
      await h.fetch('/v2/app/web/manifests/v1', { method: 'DELETE', auth }),
      'deleteEnabled=false',
    );
    await pushImage(h, 'app/web', 'v1', auth, [Buffer.from('overwrite')]);
    await patch('/acr/v1/app/web/_tags/v1', { changeableAttributes: { deleteEnabled: true } });

    // Manifest lock by digest.
    const v2digest = (
      (await (await h.fetch('/acr/v1/app/web/_tags/v2', { auth })).json()) as { tag: { digest: string } }
    ).tag.digest;
    assert.equal((await patch(`/acr/v1/app/web/_manifests/${v2digest}`, { deleteEnabled: false })).status, 200);
    await expectDisallowed(
      await h.fetch(`/v2/app/web/manifests/${v2digest}`, { method: 'DELETE', auth }),
      'locked manifest',
    );
    await patch(`/acr/v1/app/web/_manifests/${v2digest}`, { deleteEnabled: true, readEnabled: false });
    await expectDisallowed(await h.fetch('/v2/app/web/manifests/v2', { auth }), 'manifest readEnabled=false');
    await patch(`/acr/v1/app/web/_manifests/${v2digest}`, { readEnabled: true });

    // Repository: readEnabled=false refuses pulls (manifests and blobs), writeEnabled=false pushes.
    await patch('/acr/v1/secret/db', { readEnabled: false });
    await expectDisallowed(await h.fetch('/v2/secret/db/manifests/v1', { auth }), 'repo read');
    const layer = (
      (await (await h.fetch('/acr/v1/secret/db/_manifests', { auth })).json()) as {
        manifests: Array<{ digest: string }>;
      }
    ).manifests[0].digest;
    assert.ok(layer);
    await patch('/acr/v1/secret/db', { readEnabled: true, writeEnabled: false });
    await assert.rejects(pushImage(h, 'secret/db', 'v2', auth, [Buffer.from('new')]), /405/);
    await patch('/acr/v1/secret/db', { writeEnabled: true });
    await pushImage(h, 'secret/db', 'v2', auth, [Buffer.from('new')]);

    // listEnabled=false hides from the catalog and tag listings (both APIs) but the item stays reachable.
    await patch('/acr/v1/secret/db', { listEnabled: false });
    await patch('/acr/v1/app/web/_tags/v3', { listEnabled: false });
    const cat = (await (await h.fetch('/v2/_catalog', { auth })).json()) as { repositories: string[] };
    assert.deepEqual(cat.repositories, ['app/web']);
    const acrCat = (await (await h.fetch('/acr/v1/_catalog', { auth })).json()) as { repositories: string[] };
    assert.deepEqual(acrCat.repositories, ['app/web']);
    const tags = (await (await h.fetch('/v2/app/web/tags/list', { auth })).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['v1', 'v2']);
    const acrTags = (await (await h.fetch('/acr/v1/app/web/_tags', { auth })).json()) as {
      tags: Array<{ name: string }>;
    };
    assert.deepEqual(
      acrTags.tags.map((x) => x.name),
      ['v1', 'v2'],
    );
    assert.equal((await h.fetch('/v2/secret/db/manifests/v1', { auth })).status, 200);

    // A deleted tag forgets its attributes; PATCH of an unknown item is 404; bad bodies 405/400.
    await patch('/acr/v1/app/web/_tags/v3', { listEnabled: true, readEnabled: false });
    assert.equal((await h.fetch('/v2/app/web/manifests/v3', { method: 'DELETE', auth })).status, 202);
    await pushImage(h, 'app/web', 'v3', auth, [Buffer.from('again')]);
    assert.equal((await h.fetch('/v2/app/web/manifests/v3', { auth })).status, 200);
    assert.equal((await patch('/acr/v1/app/web/_tags/nope', { writeEnabled: false })).status, 404);
    assert.notEqual((await patch('/acr/v1/app/web', { writeEnabled: 'no' })).status, 200);

    // PATCH needs metadata_write: a pull-only token cannot change attributes.
    const pullOnly = `Bearer ${await h.token('repository:app/web:pull')}`;
    assert.equal(
      (await h.fetch('/acr/v1/app/web', { method: 'PATCH', auth: pullOnly, body: '{"writeEnabled":false}' })).status,
      401,
    );

    // A token signs in like `az acr repository update -u <token> -p <password>` (grant_type=password) and needs metadata/write.
    const regPath = `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/lockreg`;
    const V = 'api-version=2020-11-01-preview';
    for (const [name, map] of [
      ['meta-writer', '_repositories_push_metadata_write'],
      ['meta-reader', '_repositories_pull_metadata_read'],
    ]) {
      const tok = await h.ts.api(`${regPath}/tokens/${name}?${V}`, {
        method: 'PUT',
        body: { properties: { scopeMapId: `${regPath}/scopeMaps/${map}` } },
      });
      const pw = (
        await h.ts.api(`${regPath}/generateCredentials?${V}`, {
          method: 'POST',
          body: { tokenId: tok.json.id, name: 'password1' },
        })
      ).json.passwords[0].value as string;
      const form = new URLSearchParams({
        grant_type: 'password',
        service: h.loginServer,
        scope: 'repository:app/web:metadata_write,metadata_read',
        username: name,
        password: pw,
      });
      const tr = await h.fetch('/oauth2/token', {
        method: 'POST',
        body: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(tr.status, 200);
      const bearer = `Bearer ${((await tr.json()) as { access_token: string }).access_token}`;
      const r = await h.fetch('/acr/v1/app/web', {
        method: 'PATCH',
        auth: bearer,
        body: '{"deleteEnabled":false}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(r.status, name === 'meta-writer' ? 200 : 401, name);
    }
    await patch('/acr/v1/app/web', { deleteEnabled: true });

    // acr import honours locks: a locked target tag is not overwritten (even with Force), an unreadable source is refused.
    const regId = (
      await h.ts.api(
        `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/lockreg?api-version=2025-04-01`,
      )
    ).json.id as string;
    const imp = (image: string, target: string) =>
      h.ts.api(`${regId}/importImage?api-version=2025-04-01`, {
        method: 'POST',
        body: { source: { resourceId: regId, sourceImage: image }, targetTags: [target], mode: 'Force' },
      });
    const first = await imp('app/web:v1', 'copy/web:v1');
    assert.ok(first.status < 300, first.text);
    await patch('/acr/v1/copy/web/_tags/v1', { writeEnabled: false });
    const over = await imp('app/web:v2', 'copy/web:v1');
    assert.equal(over.status, 405, over.text);
    assert.equal(over.json.error.code, DISALLOWED);
    await patch('/acr/v1/app/web/_tags/v2', { readEnabled: false });
    assert.equal((await imp('app/web:v2', 'copy/web:v9')).status, 405);
    assert.ok((await imp('app/web:v1', 'copy/web:v9')).status < 300);
  },
);
