#!/usr/bin/env node
// Launcher: runs the compiled dist/ (built by `npm run build`, part of ./scripts/setup.sh): the esbuild bundle
// dist/bundle/dockyard.js (scripts/bundle.mjs), or tsc's dist/bin/dockyard.js when there is no bundle. In a checkout, dist/ is used only while its build stamp matches the
// sources; otherwise the TypeScript sources run through tsx (slower, never stale). Without src/ (a packaged copy),
// dist/ runs as is.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { distIsFresh } from './build-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'bin', 'dockyard.ts');
const bundled = join(root, 'dist', 'bundle', 'dockyard.js');
if (!existsSync(source) || (process.env.DOCKYARD_FROM_SOURCE !== '1' && distIsFresh(root))) {
  const compiled = existsSync(bundled) ? bundled : join(root, 'dist', 'bin', 'dockyard.js');
  await import(pathToFileURL(compiled).href);
} else {
  if (process.stderr.isTTY && process.env.DOCKYARD_FROM_SOURCE !== '1') {
    process.stderr.write(
      'dockyard: dist/ is missing or older than src/; running the TypeScript sources (slow start). `npm run build` fixes it.\n',
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
}
