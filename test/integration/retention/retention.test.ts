import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixedClock } from '../../../src/shared/index.js';
import { registryOf } from '../../../src/app/index.js';
import { cliFor } from '../../helpers/cli.js';
import { startRegistryHarness, pushImage } from '../../conformance/registry-harness.js';

const DAY = 86_400_000;

test(
  'retention policy: GC deletes untagged manifests older than the window, keeps tagged ones (injected clock)',
  { timeout: 300_000 },
  async (t) => {
    const clock = fixedClock(new Date());
    const h = await startRegistryHarness({ serverOptions: { clock } });
    t.after(() => h.cleanup());
    const regPath = `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries`;
    const auth = `Bearer ${await h.token('repository:app:pull,push,delete')}`;
    const old = await pushImage(h, 'app', 'v1', auth, [Buffer.from('one')]);
    const kept = await pushImage(h, 'app', 'v2', auth, [Buffer.from('two')]);
    const moved = await pushImage(h, 'app', 'v1', auth, [Buffer.from('three')]); // v1 moves: `old` is now untagged
    const cli = cliFor(h.ts.dataDir);

    // The clean-up-script view: untagged manifests, oldest first.
    const meta = await cli(
      'acr',
      'manifest',
      'list-metadata',
      '-r',
      h.name,
      '-n',
      'app',
      '--orderby',
      'time_asc',
      '--query',
      '[?tags[0]==null].digest',
    );
    assert.equal(meta.code, 0, meta.stderr);
    assert.deepEqual(JSON.parse(meta.stdout), [old.digest]);

    const upd = await cli(
      'acr',
      'config',
      'retention',
      'update',
      '-r',
      h.name,
      '--status',
      'enabled',
      '--days',
      '1',
      '--type',
      'UntaggedManifests',
    );
    assert.equal(upd.code, 0, upd.stderr);
    const policy = JSON.parse(upd.stdout);
    assert.equal(policy.days, 1);
    assert.equal(policy.status, 'enabled');
    assert.ok(!Number.isNaN(Date.parse(policy.lastUpdatedTime)));
    const shown = await h.ts.api(`${regPath}/${h.name}?api-version=2025-04-01`);
    assert.deepEqual(shown.json.policies.retentionPolicy, policy);

    const gc = registryOf(h.ts.platform)!.gc;
    assert.equal((await gc.run()).manifestsExpired, 0, 'untagged for less than a day');
    clock.advance(2 * DAY);
    const res = await gc.run();
    assert.equal(res.manifestsExpired, 1);
    assert.equal((await h.fetch(`/v2/app/manifests/${old.digest}`, { auth, method: 'HEAD' })).status, 404);
    assert.equal((await h.fetch(`/v2/app/manifests/${kept.digest}`, { auth, method: 'HEAD' })).status, 200);
    assert.equal((await h.fetch(`/v2/app/manifests/${moved.digest}`, { auth, method: 'HEAD' })).status, 200);
    assert.equal((await h.fetch('/v2/app/manifests/v2', { auth, method: 'HEAD' })).status, 200);
    // Its layer went with it in the same pass (grace period long past on the injected clock).
    assert.equal((await h.fetch(`/v2/app/blobs/${old.layerDigests[0]}`, { auth, method: 'HEAD' })).status, 404);

    // Disabled again: nothing more is deleted.
    await h.ts.api(`${regPath}/${h.name}?api-version=2025-04-01`, {
      method: 'PATCH',
      body: { properties: { policies: { retentionPolicy: { status: 'disabled', days: 1 } } } },
    });
    assert.equal((await h.fetch(`/v2/app/manifests/v2`, { auth, method: 'DELETE' })).status, 202);
    clock.advance(2 * DAY);
    assert.equal((await gc.run()).manifestsExpired, 0);

    // Premium only, as ACR: refused by the server (and by the CLI before any request).
    await h.ts.api(`${regPath}/basicreg?api-version=2025-04-01`, {
      method: 'PUT',
      body: { location: 'eastus', sku: { name: 'Basic' } },
    });
    const refused = await h.ts.api(`${regPath}/basicreg?api-version=2025-04-01`, {
      method: 'PATCH',
      body: { properties: { policies: { retentionPolicy: { status: 'enabled', days: 3 } } } },
    });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /only supported for managed registries in Premium SKU/);
    const cliRefused = await cli('acr', 'config', 'retention', 'show', '-r', 'basicreg');
    assert.notEqual(cliRefused.code, 0);
    assert.match(cliRefused.stderr, /Premium SKU/);
    assert.equal(
      (
        await h.ts.api(`${regPath}/${h.name}?api-version=2025-04-01`, {
          method: 'PATCH',
          body: { properties: { policies: { retentionPolicy: { days: 400 } } } },
        })
      ).status,
      400,
    );
  },
);
