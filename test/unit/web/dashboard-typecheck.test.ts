import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The dashboard has its own tsconfig (DOM, preact JSX); vite does not typecheck, so this does.
test('the dashboard sources typecheck', { timeout: 120_000 }, async () => {
  const root = join(import.meta.dirname, '..', '..', '..');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await promisify(execFile)(
    process.execPath,
    [tsc, '--noEmit', '-p', join(root, 'src/web/app/tsconfig.json')],
    { cwd: root },
  ).then(
    () => ({ code: 0, out: '' }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );
  assert.equal(r.code, 0, r.out);
});
