import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyQuery, formatOutput, formatTsv, formatTable } from '../../../src/cli/index.js';

test('tsv of a scalar prints the bare value (az --query id -o tsv)', () => {
  assert.equal(formatOutput('/subscriptions/x/resourceGroups/y', 'tsv'), '/subscriptions/x/resourceGroups/y\n');
  assert.equal(formatOutput(applyQuery({ identity: { principalId: 'abc' } }, 'identity.principalId'), 'tsv'), 'abc\n');
});

test('tsv of objects: values in sorted key order, nested objects empty, lists as their length, booleans capitalised', () => {
  assert.equal(formatTsv({ b: 2, a: 'x', c: { d: 1 }, e: [1, 2, 3], f: true, g: null }), 'x\t2\t\t3\tTrue\t\n');
  assert.equal(formatTsv([{ n: 'a' }, { n: 'b' }]), 'a\nb\n');
  assert.equal(formatTsv(['cf1', 'cf2']), 'cf1\ncf2\n');
  assert.equal(formatTsv(true), 'true\n');
});

test('json is indented by two spaces; none prints nothing', () => {
  assert.equal(formatOutput({ a: [1] }, 'json'), '{\n  "a": [\n    1\n  ]\n}\n');
  assert.equal(formatOutput({ a: 1 }, 'none'), '');
});

test('yaml output', () => {
  assert.equal(formatOutput({ name: 'x', tags: ['a'] }, 'yaml'), 'name: x\ntags:\n  - a\n');
});

test('table: header, dashes as wide as each column, two spaces apart, automatic columns skip nested values', () => {
  const t = formatOutput([{ name: 'myregistry', location: 'eastus', sku: { name: 'Premium' } }], 'table');
  assert.equal(t, 'Name        Location\n----------  --------\nmyregistry  eastus\n');
  assert.equal(formatTable([{ A: 1 }, { A: 100 }]), '  A\n---\n  1\n100\n');
});

test('query errors are usage errors', () => {
  assert.throws(() => applyQuery({}, '[[['), /invalid jmespath/);
});

test('jmespath filters and projections as az applies them', () => {
  const data = [
    { name: 'a', sku: { name: 'Basic' } },
    { name: 'b', sku: { name: 'Premium' } },
  ];
  assert.deepEqual(applyQuery(data, "[?sku.name=='Premium'].name"), ['b']);
  assert.equal(formatOutput(applyQuery(data, '[].name'), 'tsv'), 'a\nb\n');
  assert.deepEqual(applyQuery(data, '[0].{n:name}'), { n: 'a' });
});
