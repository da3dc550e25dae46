import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Issue 12 item 5: POST /dockyard/v1/task-files/render and /validate needed no login, and one printf with a huge
// precision blocked the event loop for seconds. Now: authentication, engine limits, and rendering in a worker thread
// with a deadline, so the registry keeps answering while a hostile render runs.
let s: TestServer;
let loginServer: string;

before(async () => {
  s = await startTestServer();
  const rg = `/subscriptions/${s.sub}/resourceGroups/renderrg`;
  await s.api(`${rg}?api-version=2022-09-01`, { method: 'PUT', body: { location: 'eastus' } });
  const r = await s.api(`${rg}/providers/Microsoft.ContainerRegistry/registries/renderreg?api-version=2025-04-01`, {
    method: 'PUT',
    body: { location: 'eastus', sku: { name: 'Basic' } },
  });
  loginServer = r.json.loginServer;
});
after(async () => {
  await s?.cleanup();
});

const task = (body: string) => `version: v1.1.0\nsteps:\n  - cmd: ${body}\n`;
const render = (content: string, headers?: Record<string, string>) =>
  s.api('/dockyard/v1/task-files/render', { method: 'POST', body: { content }, headers });

test('render and validate refuse anonymous callers', async () => {
  for (const path of ['render', 'validate']) {
    const r = await fetch(`${s.endpoint}/dockyard/v1/task-files/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: task('{{printf "%.50000000f" 1.0}}') }),
    });
    assert.equal(r.status, 401, path);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'AuthenticationFailed');
    const bad = await fetch(`${s.endpoint}/dockyard/v1/task-files/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-token' },
      body: JSON.stringify({ content: task('x') }),
    });
    assert.equal(bad.status, 401, path);
  }
});

test('a huge printf precision or width fails fast with a clear error', async () => {
  assert.equal((await render(task('echo warm-up'))).json.ok, true);
  for (const [expr, what] of [
    ['{{printf "%.50000000f" 1.0}}', 'precision 50000000'],
    ['{{printf "%50000000d" 1}}', 'width 50000000'],
    ['{{printf "%*d" 50000000 1}}', 'width 50000000'],
  ]) {
    const t0 = Date.now();
    const r = await render(task(`echo ${expr}`));
    assert.equal(r.status, 200);
    assert.equal(r.json.ok, false);
    assert.match(r.json.errors[0].message, new RegExp(`printf ${what} is larger than the limit of 1000`));
    assert.equal(r.json.errors[0].line, 3);
    assert.ok(Date.now() - t0 < 4000, `${expr} took ${Date.now() - t0} ms`);
  }
});

test('a template that builds a huge output stops at the output limit', async () => {
  const loops = await render(task('echo {{range until 100000}}{{range until 100000}}0123456789{{end}}{{end}}'));
  assert.equal(loops.json.ok, false);
  assert.match(loops.json.errors[0].message, /template output exceeds the limit of 1048576 characters/);
  const doubling = await render(task('echo {{$s := "0123456789"}}{{range until 40}}{{$s = cat $s $s}}{{end}}{{$s}}'));
  assert.equal(doubling.json.ok, false);
  assert.match(doubling.json.errors[0].message, /more than the template output limit of 1048576/);
  const shared = await render(task('echo {{$x := list 1}}{{range until 60}}{{$x = list $x $x}}{{end}}{{toJson $x}}'));
  assert.equal(shared.json.ok, false);
  // Exponentially shared values cost O(limit) to format; on a loaded machine the 2 s time budget may come first.
  assert.match(
    shared.json.errors[0].message,
    /toJson would produce \d+ characters, more than the template output limit|exceeded its time budget/,
  );
  const indent = await render(task('echo {{repeat 100000 "x\\n" | indent 1000 | len}}'));
  assert.equal(indent.json.ok, false);
  assert.match(indent.json.errors[0].message, /indent would produce/);
});

test(
  'while a render that never ends runs, the registry answers at once; the render is stopped at its deadline',
  { timeout: 60_000 },
  async () => {
    // A backtracking regular expression cannot be interrupted by the engine's budgets: only the worker's deadline stops it.
    const hostile = render(task(`echo {{regexMatch "^(a+)+$" "${'a'.repeat(40)}!"}}`));
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const v2 = await fetch(`http://${loginServer}/v2/`);
      const ms = Date.now() - t0;
      assert.equal(v2.status, 401);
      assert.ok(ms < 1000, `GET /v2/ took ${ms} ms during a hostile render`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const t0 = Date.now();
    const api = await s.api('/dockyard/v1/info');
    assert.equal(api.status, 200);
    assert.ok(Date.now() - t0 < 1000);
    const r = await hostile;
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'TemplateError');
    assert.match(r.json.error.message, /rendering took longer than 5000 ms/);
    // The pool recovers: the next render works.
    assert.equal((await render(task('echo {{ "ok" | upper }}'))).json.rendered, task('echo OK'));
  },
);
