import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateTaskFile } from '../../../src/tasks/spec/index.js';

const run = { id: 'ab1', registry: 'reg.azurecr.io' };

test('duplicate keys: the last one wins with a warning, as ACR runs the file az prepends `version:` to', () => {
  // What `az acr task create --context /dev/null --file f.yaml` sends: az's own `version:` line, then the file.
  const text = 'version: v1.1.0\nversion: v1.1.0\nsteps:\n  - cmd: busybox echo one\n    cmd: busybox echo two\n';
  const r = validateTaskFile({ text, fileName: 'acb.yaml', setValues: [], run });
  assert.equal(r.ok, true, JSON.stringify(r.errors));
  const w = r.warnings.find((x) => /duplicate task property "version"/.test(x.message));
  assert.ok(w, JSON.stringify(r.warnings));
  assert.equal(w.line, 2);
  assert.ok(
    r.warnings.some((x) => /duplicate step property "cmd"/.test(x.message) && x.line === 5),
    JSON.stringify(r.warnings),
  );
  assert.match(JSON.stringify(r.plan), /echo two/);
  assert.doesNotMatch(JSON.stringify(r.plan), /echo one/);
});
