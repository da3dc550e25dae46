#!/usr/bin/env node
// Puts `dockyard` (bin/dockyard.js) on a PATH: always node_modules/.bin/dockyard (what `npx dockyard` and npm scripts
// run), and also DIR/dockyard when a directory is given (e.g. ~/.local/bin, /usr/local/bin). Symbolic links to this
// checkout, so they follow `git pull` and `npm run build`. Runs from `npm install`/`npm ci` (the prepare script) and
// scripts/setup.sh.
// Usage: node scripts/link-bin.mjs [DIR]
//
// package.json declares no `bin` on purpose: when the package in the current directory declares the bin `npx` is asked
// for, npm installs that package into its npx cache on every run (two full dependency-tree loads, 1.5–2.5 s), while a
// plain node_modules/.bin/dockyard is run directly (docs/designs/start-up.md).
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'bin', 'dockyard.js');

function link(dir, relativeTarget) {
  mkdirSync(dir, { recursive: true });
  const at = join(dir, 'dockyard');
  const to = relativeTarget ? relative(dir, target) : target;
  const existing = lstatSync(at, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink() && readlinkSync(at) === to) return at;
  if (existing && !existing.isSymbolicLink()) throw new Error(`${at} exists and is not a link; not replacing it`);
  rmSync(at, { force: true });
  symlinkSync(to, at);
  return at;
}

try {
  link(join(root, 'node_modules', '.bin'), true);
  const dir = process.argv[2];
  if (dir) console.log(`link-bin: ${link(resolve(dir), false)} -> ${target}`);
} catch (err) {
  console.error(`link-bin: ${err.message}`);
  process.exit(1);
}
