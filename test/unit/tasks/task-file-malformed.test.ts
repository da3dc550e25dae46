import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateTaskFile } from '../../../src/tasks/spec/index.js';
import { malformed } from '../../fixtures/tasks/malformed.js';

test('at least 60 malformed task files', () => {
  assert.ok(malformed.length >= 60, `${malformed.length}`);
});

for (const c of malformed) {
  test(`malformed: ${c.name}`, () => {
    const r = validateTaskFile({
      text: c.text,
      fileName: 'task.yaml',
      setValues: c.set ?? [],
      run: { id: 'ab1', registry: 'reg.azurecr.io' },
    });
    assert.equal(r.ok, false);
    assert.equal(r.plan, null);
    assert.ok(r.errors.length >= 1);
    const e = r.errors[0];
    assert.match(e.message, c.message, JSON.stringify(r.errors));
    assert.equal(e.line, c.line, `line of ${JSON.stringify(e)}`);
    if (c.line > 0) assert.ok(e.column >= 1, 'column');
    assert.ok(e.code === 'TaskFileInvalid' || e.code === 'TemplateError');
  });
}
