import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { search } from 'jmespath';
import { fieldPathQuery, plainYaml } from '../../../src/cli/output-fast.js';

// Strings that yaml prints plain and strings it must quote or fold (the fast path must either match or decline).
const STRINGS = [
  'Basic',
  'Premium',
  'eastus',
  'myregistry',
  '127.0.0.1:17210',
  '2026-12-02T08:05:52.647Z',
  'a: b',
  'a #b',
  '-a',
  'a-',
  '1.2.3',
  '0o17',
  '0x1f',
  '+1',
  '1_000',
  '12:30',
  'yes',
  'no',
  'on',
  'True',
  'TRUE',
  'false',
  'NULL',
  'null',
  '~',
  '123',
  '-5',
  '1e5',
  '.inf',
  '.5',
  '5.',
  'x'.repeat(100),
  'word '.repeat(30).trim(),
  'two  spaces',
  'trailing ',
  ' leading',
  'colon:',
  'a:b',
  'Succeeded',
  '/subscriptions/d18534ba-1648-4946-8d13-df6b6573f4ae/resourceGroups/bench',
  `/subscriptions/${'a'.repeat(90)}/x y`,
  'line\nbreak',
  'tab\there',
  'quote"s',
  "it's",
  '{braces}',
  '[brackets]',
  'a,b',
  'a=b',
  'x@y',
  'f(x)',
  'Microsoft.ContainerRegistry/registries',
  '*',
  '&anchor',
  '!tag',
  '%percent',
  '@at',
  '`tick',
  '',
  ' ',
  'é',
  'Enabled',
  'AzureServices',
  'some words that make a medium sentence here',
  '_under',
  'a/b',
  'short text',
  'y',
  'n',
  'ON',
  'Off',
  '0',
  '007',
  '1.0',
  '-.5e3',
  'Infinity',
  'NaN',
  '.nan',
];
const SCALARS: unknown[] = [...STRINGS, 0, 1, -3, 42, 1.5, -0, 1e21, 2 ** 53, true, false, null];
const KEYS = ['name', 'sku', 'id', 'tags', 'properties', 'loginServer', 'RESOURCE GROUP', '1', 'true', 'a: b', 'x'];

function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function generate(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 3 || k < 0.4) return SCALARS[Math.floor(r() * SCALARS.length)];
  const n = Math.floor(r() * 4);
  if (k < 0.7) return Array.from({ length: n }, () => generate(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[KEYS[Math.floor(r() * KEYS.length)]] = generate(r, depth + 1);
  return o;
}

test('plainYaml equals yaml.stringify whenever it answers, and answers for plain data', () => {
  for (const s of SCALARS) {
    const fast = plainYaml(s);
    if (fast !== undefined) assert.equal(fast, stringify(s), JSON.stringify(s));
    for (const wrap of [{ key: s }, [s], { a: { b: [s, { c: s }] } }, [[s, s], [{ d: s }]]]) {
      const f = plainYaml(wrap);
      if (f !== undefined) assert.equal(f, stringify(wrap), JSON.stringify(wrap));
    }
  }
  const r = rng(14);
  let answered = 0;
  for (let i = 0; i < 5000; i++) {
    const v = generate(r, 0);
    const fast = plainYaml(v);
    if (fast === undefined) continue;
    answered++;
    assert.equal(fast, stringify(v), JSON.stringify(v));
  }
  assert.ok(answered > 1000, `the fast path answered ${answered} of 5000`);
  const registry = {
    id: '/subscriptions/d18534ba/resourceGroups/bench/providers/Microsoft.ContainerRegistry/registries/benchreg',
    name: 'benchreg',
    location: 'eastus',
    tags: {},
    sku: { name: 'Basic', tier: 'Basic' },
    loginServer: '127.0.0.1:17210',
    creationDate: '2026-12-02T08:05:52.647Z',
    adminUserEnabled: false,
    networkRuleSet: { defaultAction: 'Allow', ipRules: [] },
    policies: { retentionPolicy: { days: 7, status: 'disabled' } },
  };
  assert.equal(plainYaml(registry), stringify(registry));
  assert.equal(plainYaml([registry, structuredClone(registry)]), stringify([registry, structuredClone(registry)]));
  assert.equal(plainYaml([registry, registry]), undefined, 'a shared object (yaml: an anchor and an alias)');
});

test('plainYaml declines what it does not handle', () => {
  for (const v of ['123', 'true', 'a: b', 'x\ny', 1.5, -0, new Date(0), { a: undefined }, [undefined], 1n])
    assert.equal(plainYaml(v), undefined, String(v));
});

test('fieldPathQuery equals jmespath for field paths and declines other queries', () => {
  const data = {
    name: 'r',
    sku: { name: 'Basic', tier: null },
    identity: { principalId: 'abc', list: [1, 2] },
    arr: [{ name: 'x' }],
    zero: 0,
    f: false,
  };
  for (const q of [
    'name',
    'sku',
    'sku.name',
    'sku.tier',
    'sku.tier.x',
    'missing',
    'missing.deeper',
    'identity.list',
    'identity.list.x',
    'arr.name',
    'zero',
    'f',
    'name.length',
    'true',
    'null',
    '_x',
    'constructor',
  ])
    for (const d of [data, [data], null, 'text', 5]) {
      const fast = fieldPathQuery(d, q);
      assert.ok(fast, q);
      assert.deepEqual(fast.value, search(d as never, q), `${q} on ${JSON.stringify(d)}`);
    }
  for (const q of [
    '[0]',
    'a[0]',
    "a == 'b'",
    'a.b[*]',
    '"quoted"',
    'a | b',
    '@',
    'a.',
    '.a',
    'a..b',
    '1a',
    'a-b',
    ' a',
  ])
    assert.equal(fieldPathQuery(data, q), undefined, q);
});
