#!/usr/bin/env node
// Runs every test file under test/ (or the ones given) with node's test runner through tsx, then runs the
// store/integration suites again on PostgreSQL (one private cluster for the pass; docs/designs/database.md).
// Usage: npm test [-- <path-substring> ...]
// DOCKYARD_TEST_DATABASE=sqlite|postgres runs only that engine's pass (default: both).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** The suites that exercise the metadata store and run on both engines. */
const BOTH_ENGINES = [
  join('test', 'integration') + '/',
  join('test', 'unit', 'triggers', 'outbox.test.ts'),
  join('test', 'unit', 'webhooks', 'scope-and-policy.test.ts'),
];

const filters = process.argv.slice(2);
const files = walk('test')
  .sort()
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const concurrency = process.env.DOCKYARD_TEST_CONCURRENCY ?? '2';
const only = process.env.DOCKYARD_TEST_DATABASE;
const nodeTest = (list) => [
  process.execPath,
  '--import',
  'tsx',
  '--test',
  `--test-concurrency=${concurrency}`,
  '--test-reporter=spec',
  ...list,
];
const env = { ...process.env, NODE_OPTIONS: '' };
delete env.DOCKYARD_TEST_DATABASE;

let status = 0;
if (only !== 'postgres') {
  const [cmd, ...args] = nodeTest(files);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  status = r.status ?? 1;
}
const pgFiles = files.filter((f) => BOTH_ENGINES.some((d) => f.startsWith(d)));
if (only !== 'sqlite' && pgFiles.length) {
  console.log(`\n# PostgreSQL pass: ${pgFiles.length} store/integration file(s) on PostgreSQL 15`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/with-postgres.ts', ...nodeTest(pgFiles)], {
    stdio: 'inherit',
    env,
  });
  console.log(`# PostgreSQL pass took ${((Date.now() - started) / 1000).toFixed(1)}s`);
  status ||= r.status ?? 1;
}
process.exit(status);
