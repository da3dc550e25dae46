import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate } from '../../../src/tasks/template/index.js';
import { isDockyardError } from '../../../src/shared/index.js';
import { fuzzTemplate, rng } from '../../differential/generate.js';
import { baseData } from '../../differential/corpus.js';

test('10,000 random templates: no crash, no hang, only TemplateError failures', () => {
  const r = rng(7);
  const started = Date.now();
  let ok = 0;
  for (let i = 0; i < 10_000; i++) {
    const text = fuzzTemplate(r);
    const t0 = Date.now();
    try {
      renderTemplate(text, baseData, { name: 'fuzz.yaml', timeoutMs: 500 });
      ok++;
    } catch (e) {
      assert.ok(
        isDockyardError(e) && e.code === 'TemplateError',
        `unexpected ${String(e)} for ${JSON.stringify(text)}`,
      );
      assert.match(e.message, /^template: fuzz\.yaml:\d+(:\d+)?: /);
    }
    assert.ok(Date.now() - t0 < 1500, `slow template ${JSON.stringify(text)}`);
  }
  assert.ok(ok > 100, `some random templates render (${ok})`);
  assert.ok(Date.now() - started < 60_000);
});
