// The build stamp: what dist/ was compiled from. `npm run build` (scripts/build.mjs) writes it; the launcher compares it
// with the sources before running dist/, so an edited, added or removed .ts file never runs stale JavaScript.
// Fingerprint = number of .ts files under src/ (outside the dashboard app) + their newest mtime + the tsconfig files'.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// tsconfig.build.json compiles src/**/*.ts except the dashboard (built by vite into src/web/dist).
const SKIP = new Set(['src/web/app', 'src/web/dist']);

/** `"<count>:<newest mtime ms>"` over src/**\/*.ts and the tsconfig files; ~5 ms for 250 files. */
export function sourceFingerprint(root) {
  let count = 0;
  let newest = 0;
  // Plain string paths: path.join was most of this function's cost.
  const walk = (rel) => {
    for (const e of readdirSync(`${root}/${rel}`, { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (!SKIP.has(child)) walk(child);
      } else if (e.name.endsWith('.ts')) {
        count++;
        const m = statSync(`${root}/${child}`).mtimeMs;
        if (m > newest) newest = m;
      }
    }
  };
  walk('src');
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) {
    const m = statSync(join(root, f), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (m > newest) newest = m;
  }
  return `${count}:${newest}`;
}

export const stampFile = (root) => join(root, 'dist', '.build-stamp');

/** True when dist/ was built from exactly the current sources. */
export function distIsFresh(root) {
  let stamp;
  try {
    stamp = readFileSync(stampFile(root), 'utf8').trim();
  } catch {
    return false;
  }
  return stamp === sourceFingerprint(root);
}
