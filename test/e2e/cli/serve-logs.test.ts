import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, stopServer } from '../../helpers/server-process.js';
import { wantsPrettyLogs } from '../../../src/shared/index.js';

test('auto is pretty on a terminal and JSON otherwise', () => {
  assert.equal(wantsPrettyLogs('auto', true), true);
  assert.equal(wantsPrettyLogs('auto', false), false);
  assert.equal(wantsPrettyLogs('auto', undefined), false);
  assert.equal(wantsPrettyLogs('json', true), false);
  assert.equal(wantsPrettyLogs('pretty', false), true);
});

for (const format of ['json', 'pretty'] as const) {
  test(`dockyard serve --log-format ${format}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'dockyard-logs-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const { child, output } = await spawnServer(dir, [
      '--engine',
      'none',
      '--log-level',
      'info',
      '--log-format',
      format,
    ]);
    // The banner is printed as soon as the server listens; the log line may reach the pipe a moment later.
    for (let i = 0; i < 100 && !output().includes('dockyard ready'); i++) await new Promise((r) => setTimeout(r, 50));
    await stopServer(child);
    const ready = output()
      .split('\n')
      .find((l) => l.includes('dockyard ready'));
    assert.ok(ready, output());
    if (format === 'json') {
      const entry = JSON.parse(ready);
      assert.equal(entry.msg, 'dockyard ready');
      assert.equal(entry.level, 30);
    } else {
      assert.doesNotMatch(ready, /^\{/);
      assert.match(
        ready.replace(/\x1b\[[0-9;]*m/g, ''),
        /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: dockyard ready .*endpoint/,
      );
    }
  });
}
