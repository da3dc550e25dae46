#!/usr/bin/env node
// Compiles src/ into dist/ with tsc (tsconfig.build.json, incremental), bundles it with esbuild into dist/bundle/
// (scripts/bundle.mjs: what bin/dockyard.js runs) and writes dist/.build-stamp, which the launcher checks before
// running dist/. Orphaned outputs of deleted sources are removed.
// Usage: node scripts/build.mjs [--if-stale] [--no-fail]
//   --if-stale: nothing to do when the stamp matches the sources (~10 ms)
//   --no-fail:  a failed compile is only a warning (`npm start`); the launcher then runs the sources through tsx
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { distIsFresh, sourceFingerprint, stampFile } from '../bin/build-stamp.js';
import { bundle, BUNDLE_DIR } from './bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ifStale = process.argv.includes('--if-stale');
const noFail = process.argv.includes('--no-fail');
if (ifStale && distIsFresh(root)) process.exit(0);

const started = Date.now();
const fingerprint = sourceFingerprint(root); // before compiling: a file saved during the build leaves dist/ stale
rmSync(stampFile(root), { force: true });
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (r.status !== 0) {
  console.error(`build: tsc failed; dist/ is not stamped, so bin/dockyard.js runs the sources through tsx.`);
  process.exit(noFail ? 0 : 1);
}

function prune(rel) {
  for (const e of readdirSync(join(root, 'dist', rel), { withFileTypes: true })) {
    const child = join(rel, e.name);
    if (e.isDirectory()) prune(child);
    else if (/\.js(\.map)?$/.test(e.name) && !existsSync(join(root, 'src', child.replace(/\.js(\.map)?$/, '.ts'))))
      rmSync(join(root, 'dist', child));
  }
}
prune(''); // also empties the previous bundle (its files have no source of their name)
rmSync(join(root, BUNDLE_DIR), { recursive: true, force: true });
try {
  await bundle(root);
} catch (err) {
  console.error(`build: esbuild failed (${err.message}); dist/ is not stamped, so bin/dockyard.js runs the sources.`);
  process.exit(noFail ? 0 : 1);
}
writeFileSync(stampFile(root), `${fingerprint}\n`);
console.log(`build: dist/ compiled in ${Date.now() - started} ms`);
