import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliFor } from '../../helpers/cli.js';
import { startRegistryHarness, pushImage, pushBlob } from '../../conformance/registry-harness.js';

test(
  'show-usage reports the bytes stored and the webhook count against SKU limits; check-health checks what it can',
  { timeout: 300_000 },
  async (t) => {
    const h = await startRegistryHarness();
    t.after(() => h.cleanup());
    const regPath = `/subscriptions/${h.ts.sub}/resourcegroups/rg1/providers/Microsoft.ContainerRegistry/registries/${h.name}`;
    const usage = async () =>
      (await h.ts.api(`${regPath}/listUsages?api-version=2022-02-01-preview`)).json.value as Array<{
        name: string;
        limit: number;
        currentValue: number;
        unit: string;
      }>;
    const empty = await usage();
    assert.deepEqual(empty[0], { name: 'Size', limit: 500 * 1024 ** 3, currentValue: 0, unit: 'Bytes' });
    assert.deepEqual(empty[1], { name: 'Webhooks', limit: 500, currentValue: 0, unit: 'Count' });

    const auth = `Bearer ${await h.token('repository:a:pull,push', 'repository:b:pull,push')}`;
    const layer = Buffer.alloc(10_000, 7);
    const one = await pushImage(h, 'a', 'v1', auth, [layer]);
    // The same layer in another repository is stored once; a second, distinct manifest adds its own bytes.
    const two = await pushImage(h, 'b', 'v1', auth, [layer, Buffer.from('extra layer')]);
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    );
    const expected = config.length + layer.length + 'extra layer'.length + one.body.length + two.body.length;
    await h.ts.api(`${regPath}/webhooks/hookone?api-version=2022-02-01-preview`, {
      method: 'PUT',
      body: { location: 'eastus', properties: { serviceUri: 'http://127.0.0.1:9/', actions: ['push'] } },
    });

    const cli = cliFor(h.ts.dataDir);
    const shown = await cli('acr', 'show-usage', '-n', h.name);
    assert.equal(shown.code, 0, shown.stderr);
    const value = JSON.parse(shown.stdout).value;
    assert.deepEqual(
      value.find((u: any) => u.name === 'Size'),
      { name: 'Size', limit: 536870912000, currentValue: expected, unit: 'Bytes' },
    );
    assert.deepEqual(
      value.find((u: any) => u.name === 'Webhooks'),
      { name: 'Webhooks', limit: 500, currentValue: 1, unit: 'Count' },
    );
    await pushBlob(h, 'a', Buffer.from('an unreferenced upload still occupies storage until GC'), auth);
    assert.equal(
      (await usage())[0].currentValue,
      expected + 'an unreferenced upload still occupies storage until GC'.length,
    );

    const health = await cli('acr', 'check-health', '-n', h.name, '--ignore-errors', '--yes');
    assert.equal(health.code, 0, health.stderr);
    assert.match(health.stderr, /Dockyard server http:\/\/127\.0\.0\.1:\d+: OK \(version [^,]+, task engine none\)/);
    assert.match(health.stderr, /Challenge endpoint http:\/\/[^ ]+\/v2\/: OK/);
    assert.match(health.stderr, /Fetch refresh token for registry '[^']+': OK/);
    assert.match(health.stderr, /Fetch access token for registry '[^']+': OK/);
    assert.match(health.stderr, /Docker daemon status: (available|.*)/);
  },
);
