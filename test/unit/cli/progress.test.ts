import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, progressEnabled, renderBar, renderSpinner } from '../../../src/cli/progress.js';

test('renderBar and renderSpinner draw one line', () => {
  assert.equal(renderBar('Uploading context', 0, 2048, 10), 'Uploading context [----------]   0% 0 B/2.0 KiB');
  assert.equal(renderBar('Uploading context', 1024, 2048, 10), 'Uploading context [#####-----]  50% 1.0 KiB/2.0 KiB');
  assert.equal(renderBar('x', 5 * 1024 ** 2, 5 * 1024 ** 2, 4), 'x [####] 100% 5.0 MiB/5.0 MiB');
  assert.equal(renderBar('empty', 0, 0, 4), 'empty [####] 100% 0 B/0 B');
  assert.equal(renderSpinner('Run cg1: Running', 1, 75_000), 'Run cg1: Running / 1m15s');
  assert.equal(renderSpinner('Importing', 4, 3_400), 'Importing | 3s');
});

test('progress only on terminals, never with machine output or --only-show-errors', () => {
  const tty = { isTTY: true };
  assert.equal(progressEnabled({ output: 'json' }, tty, tty, {}), true, 'the default output is for people');
  assert.equal(progressEnabled({ output: 'table', outputExplicit: true }, tty, tty, {}), true);
  for (const output of ['json', 'jsonc', 'tsv'])
    assert.equal(progressEnabled({ output, outputExplicit: true }, tty, tty, {}), false, output);
  assert.equal(progressEnabled({ output: 'table' }, {}, tty, {}), false, 'stdout piped');
  assert.equal(progressEnabled({ output: 'table' }, tty, {}, {}), false, 'stderr piped');
  assert.equal(progressEnabled({ output: 'table', onlyShowErrors: true }, tty, tty, {}), false);
  assert.equal(progressEnabled({ output: 'table' }, tty, tty, { DOCKYARD_NO_PROGRESS: '1' }), false);
});

test('a bar redraws in place only when the percentage moves; disabled progress writes nothing', () => {
  const out: string[] = [];
  const stream = { isTTY: true, columns: 200, write: (s: string) => out.push(s) > 0 };
  const bar = new Progress(true, stream).bar('Up', 1000);
  for (let i = 0; i <= 1000; i += 5) bar.update(i);
  bar.done();
  assert.equal(out.filter((s) => s.startsWith('\r')).length, 101);
  assert.ok(out.every((s) => s === '\n' || s.endsWith('\x1b[K')));
  assert.equal(out[out.length - 1], '\n');
  const none: string[] = [];
  const off = new Progress(false, { write: (s: string) => none.push(s) > 0 });
  off.bar('Up', 10).update(5);
  off.spinner('wait').stop();
  assert.deepEqual(none, []);
  // Long lines are cut to the terminal width.
  const narrow: string[] = [];
  new Progress(true, { isTTY: true, columns: 30, write: (s: string) => narrow.push(s) > 0 })
    .spinner('x'.repeat(100))
    .stop();
  assert.ok(narrow.every((s) => s.length <= 1 + 29 + 3));
});
