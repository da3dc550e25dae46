import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderErrorsDoc } from '../../../scripts/errors-doc.js';
import { ERRORS, DockyardError } from '../../../src/shared/index.js';

test('docs/errors.md is in sync with the error registry (regenerate with scripts/gen-errors-doc.ts)', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorsDoc());
});

test('every registry code has an HTTP-like status and a message', () => {
  for (const [code, def] of Object.entries(ERRORS)) {
    assert.ok(def.status >= 1 && def.status < 600, code);
    assert.ok(def.message.length > 0, code);
    const e = new DockyardError(code as keyof typeof ERRORS);
    assert.equal(e.status, def.status);
    assert.equal(e.message, def.message);
  }
});
