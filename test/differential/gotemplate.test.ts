// Differential test: Dockyard's template engine against real Go text/template + Sprig (the oracle ACR uses).
// Needs apt packages golang-go and golang-github-masterminds-sprig-dev.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOracle, runOracle } from './go-oracle.js';
import { baseData, handCorpus } from './corpus.js';
import { generateTemplates } from './generate.js';
import { renderTemplate } from '../../src/tasks/template/index.js';

function mine(text: string): { out?: string; err?: string } {
  try {
    return { out: renderTemplate(text, structuredClone(baseData), { name: 'task.yaml' }) };
  } catch (e) {
    return { err: (e as Error).message };
  }
}

test('engine output equals Go text/template + Sprig on the whole corpus', () => {
  const { bin, reason } = buildOracle();
  assert.ok(bin, `Go oracle unavailable: ${reason}`);
  const texts = [...handCorpus, ...generateTemplates(1000, 42)];
  assert.ok(texts.length >= 200);
  const go = runOracle(
    bin!,
    texts.map((text) => ({ name: 'task.yaml', text, data: baseData })),
  );
  const mismatches: string[] = [];
  let failures = 0;
  texts.forEach((text, i) => {
    const m = mine(text);
    const g = go[i];
    if (g.err !== undefined) failures++;
    const same = (g.err !== undefined && m.err !== undefined) || (g.out !== undefined && g.out === m.out);
    if (!same) mismatches.push(`${JSON.stringify(text)}\n  go:   ${JSON.stringify(g)}\n  ours: ${JSON.stringify(m)}`);
  });
  assert.ok(failures >= 40, `corpus should include error cases (has ${failures})`);
  assert.deepEqual(mismatches, []);
});
