import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliFor } from '../../helpers/cli.js';
import { startRegistryHarness } from '../../conformance/registry-harness.js';
import { startReceiver } from './receiver.js';

test(
  'acr webhook create / ping / list-events / get-config / update / delete and help through the CLI',
  { timeout: 300_000 },
  async (t) => {
    const h = await startRegistryHarness();
    const rx = await startReceiver();
    t.after(async () => {
      await rx.close();
      await h.cleanup();
    });
    const cli = cliFor(h.ts.dataDir);
    const json = async (...args: string[]) => {
      const r = await cli(...args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout ? JSON.parse(r.stdout) : undefined;
    };
    const created = await json(
      'acr',
      'webhook',
      'create',
      '-r',
      h.name,
      '-n',
      'cihook',
      '--uri',
      rx.url,
      '--actions',
      'push',
      'delete',
      '--scope',
      'app:*',
      '--headers',
      'Authorization=Bearer tkn',
      'X-Env=test',
    );
    assert.deepEqual(created.actions, ['push', 'delete']);
    assert.equal(created.scope, 'app:*');
    assert.equal(JSON.stringify(created).includes('tkn'), false);
    // (each CLI call is a process start: show/list/delete are covered by the ARM test through the same routes)

    const ping = await json('acr', 'webhook', 'ping', '-r', h.name, '-n', 'cihook');
    assert.match(ping.id, /^[0-9a-f-]{36}$/);
    const [got] = await rx.waitFor(1);
    assert.equal(got.body.action, 'ping');
    assert.equal(got.body.id, ping.id);
    assert.equal(got.headers.authorization, 'Bearer tkn');

    const events = await json('acr', 'webhook', 'list-events', '-r', h.name, '-n', 'cihook');
    assert.equal(events.length, 1);
    assert.equal(events[0].id, ping.id);
    assert.equal(events[0].eventRequestMessage.requestUri, rx.url);
    assert.equal(events[0].eventRequestMessage.headers.Authorization, '******');
    assert.equal(events[0].eventResponseMessage.statusCode, '200');
    const table = await cli('acr', 'webhook', 'list-events', '-r', h.name, '-n', 'cihook', '-o', 'table');
    assert.match(table.stdout, /ID\s+ACTION\s+IMAGE\s+HTTP STATUS\s+TIMESTAMP/);
    assert.match(table.stdout, /ping\s+200/);

    assert.deepEqual(await json('acr', 'webhook', 'get-config', '-r', h.name, '-n', 'cihook'), {
      serviceUri: rx.url,
      customHeaders: { Authorization: 'Bearer tkn', 'X-Env': 'test' },
    });
    const updated = await json(
      'acr',
      'webhook',
      'update',
      '-r',
      h.name,
      '-n',
      'cihook',
      '--status',
      'disabled',
      '--headers',
      '',
    );
    assert.equal(updated.status, 'disabled');
    assert.deepEqual(
      (await h.ts.api(`${created.id}/getCallbackConfig?api-version=2022-02-01-preview`, { method: 'POST' })).json
        .customHeaders,
      {},
    );

    const refused = await cli(
      'acr',
      'webhook',
      'create',
      '-r',
      h.name,
      '-n',
      'probe1',
      '--uri',
      'http://10.0.0.1/',
      '--actions',
      'push',
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /not allowed/);
    const help = await cli('acr', 'webhook', '--help');
    for (const c of ['create', 'update', 'show', 'list', 'delete', 'ping', 'list-events', 'get-config'])
      assert.match(help.stdout, new RegExp(`\\b${c}\\b`));
    assert.equal((await cli('acr', 'webhook', 'delete', '-r', h.name, '-n', 'cihook')).code, 0);
    assert.equal((await h.ts.api(`${created.id}?api-version=2022-02-01-preview`)).status, 404);
  },
);
