import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { taskFileRoutes } from '../../../src/tasks/spec/index.js';

test('POST /dockyard/v1/task-files/validate and /render', async () => {
  const app = Fastify();
  // The routes need an authenticated caller (any principal); the server installs authentication before them.
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    req.principal = req.headers.authorization ? ({ objectId: 'tester' } as never) : null;
  });
  await app.register(taskFileRoutes, { run: { registry: 'reg.azurecr.io' } });
  try {
    const anonymous = await app.inject({
      method: 'POST',
      url: '/dockyard/v1/task-files/render',
      payload: { content: 'version: v1.1.0\nsteps: []\n' },
    });
    assert.ok(
      anonymous.statusCode >= 400 && anonymous.statusCode < 500 && anonymous.statusCode !== 404,
      String(anonymous.statusCode),
    );
    const content =
      'version: v1.1.0\nsteps:\n  - cmd: bash echo {{.Values.greet}} {{.Values.pw}}\n  - push: [$Registry/app]\n';
    const v = await app.inject({
      method: 'POST',
      url: '/dockyard/v1/task-files/validate',
      headers: { authorization: 'test' },
      payload: { content, set: ['greet=hi'] },
    });
    assert.equal(v.statusCode, 200);
    const vb = v.json();
    assert.equal(vb.ok, true);
    assert.deepEqual(vb.plan.steps[1].push, ['reg.azurecr.io/app:latest']);
    const r = await app.inject({
      method: 'POST',
      url: '/dockyard/v1/task-files/render',
      headers: { authorization: 'test' },
      payload: { content, set: ['greet=hi'], setSecret: ['pw=hunter2'] },
    });
    assert.equal(
      r.json().rendered,
      'version: v1.1.0\nsteps:\n  - cmd: bash echo hi ***\n  - push: [reg.azurecr.io/app]\n',
    );
    const bad = await app.inject({
      method: 'POST',
      url: '/dockyard/v1/task-files/validate',
      headers: { authorization: 'test' },
      payload: { content: 'version: v9\nsteps: []' },
    });
    assert.equal(bad.json().ok, false);
    assert.equal(bad.json().errors[0].line, 1);
    const invalid = await app.inject({
      method: 'POST',
      url: '/dockyard/v1/task-files/validate',
      headers: { authorization: 'test' },
      payload: { nope: 1 },
    });
    assert.ok(invalid.statusCode >= 400);
  } finally {
    await app.close();
  }
});
