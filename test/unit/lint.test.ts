import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('eslint passes (module boundaries, no errors)', { timeout: 180_000 }, () => {
  const r = spawnSync(process.execPath, [join('node_modules', 'eslint', 'bin', 'eslint.js'), '.'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});

test('the tree is formatted (prettier --check, printWidth 120)', { timeout: 180_000 }, () => {
  const r = spawnSync(process.execPath, [join('node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '.'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
});
