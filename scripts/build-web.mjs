#!/usr/bin/env node
// Builds the web dashboard (src/web/app -> src/web/dist) with vite, unless the sources are unchanged since the last
// build. Runs from `npm ci` (prepare), `npm start` and `npm test` (prestart/pretest); `--force` rebuilds anyway.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(root, 'src/web/app');
const outDir = join(root, 'src/web/dist');
const stampFile = join(outDir, '.build-stamp');

function walk(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

function sourceHash() {
  const h = createHash('sha256');
  for (const f of [...walk(appDir), join(root, 'scripts/build-web.mjs'), join(root, 'package-lock.json')]) {
    h.update(f.slice(root.length)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

const force = process.argv.includes('--force');
const hash = sourceHash();
if (
  !force &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8').trim() === hash &&
  existsSync(join(outDir, 'index.html'))
) {
  process.exit(0);
}

let vite;
try {
  vite = await import('vite');
} catch {
  console.warn('build-web: vite is not installed (production install?); the dashboard is not built.');
  process.exit(0);
}
const started = Date.now();
await vite.build({
  root: appDir,
  base: '/dashboard/',
  configFile: false,
  logLevel: 'warn',
  clearScreen: false,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir, emptyOutDir: true, sourcemap: true, target: 'es2022', chunkSizeWarningLimit: 600 },
});
writeFileSync(stampFile, `${hash}\n`);
console.log(`build-web: dashboard built into src/web/dist in ${Date.now() - started} ms`);
