// Render + parse + plan time of the seed task (testtask.yaml) with --set REGISTRY1/REGISTRY2.
// Usage: node --import tsx bench/task-render.ts [iterations]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { validateTaskFile } from '../src/tasks/spec/index.js';
import { renderTemplate } from '../src/tasks/template/index.js';

const text = readFileSync(new URL('../test/fixtures/tasks/valid/testtask.yaml', import.meta.url), 'utf8');
const input = {
  text,
  fileName: 'testtask.yaml',
  setValues: ['REGISTRY1=customregistry1.azurecr.io', 'REGISTRY2=customregistry2.azurecr.io'],
  run: { id: 'cf31', registry: 'myregistry.azurecr.io' },
};
const n = Number(process.argv[2] ?? 2000);

function measure(label: string, fn: () => void): number {
  for (let i = 0; i < 200; i++) fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / n;
  const p50 = times[Math.floor(n * 0.5)];
  const p99 = times[Math.floor(n * 0.99)];
  console.log(
    `${label.padEnd(44)} mean ${mean.toFixed(3)} ms  p50 ${p50.toFixed(3)} ms  p99 ${p99.toFixed(3)} ms  (n=${n})`,
  );
  return p50;
}

const data = {
  Run: { ID: 'cf31' },
  Values: { REGISTRY1: 'customregistry1.azurecr.io', REGISTRY2: 'customregistry2.azurecr.io' },
};
measure('renderTemplate(testtask.yaml)', () => renderTemplate(text, data, { name: 'testtask.yaml' }));
const p50 = measure('validateTaskFile(testtask.yaml) render+parse+plan', () => {
  const r = validateTaskFile(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
});
console.log(`target < 1 ms for the render: ${p50 < 1 ? 'met' : 'NOT met'}`);
