import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { LayerBuilder } from './layer-builder.js';

interface LockPackage {
  dev?: boolean;
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Packages needed at run time: every non-dev package of the lock file, plus `tsx` (the launcher runs src/ through it). */
export async function runtimePackages(projectRoot: string): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(projectRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockPackage>;
  };
  const pkgs = lock.packages;
  const wanted = new Set<string>();
  for (const [path, p] of Object.entries(pkgs)) if (path.startsWith('node_modules/') && !p.dev) wanted.add(path);
  // The closure of tsx (a dev dependency in the lock file).
  const queue = ['node_modules/tsx'];
  while (queue.length) {
    const path = queue.pop() as string;
    if (!pkgs[path] || (wanted.has(path) && path !== 'node_modules/tsx')) continue;
    wanted.add(path);
    const deps = { ...pkgs[path].dependencies, ...pkgs[path].optionalDependencies };
    for (const dep of Object.keys(deps)) {
      // Node resolution: nested node_modules first, then the parents', then the top level.
      let base = path;
      for (;;) {
        const candidate = `${base}/node_modules/${dep}`;
        if (pkgs[candidate]) {
          queue.push(candidate);
          break;
        }
        const idx = base.lastIndexOf('/node_modules/');
        if (idx < 0) {
          if (pkgs[`node_modules/${dep}`]) queue.push(`node_modules/${dep}`);
          break;
        }
        base = base.slice(0, idx);
      }
    }
  }
  return [...wanted].filter((p) => existsSync(join(projectRoot, p))).sort();
}

/** Adds the Dockyard CLI (bin/, src/, package.json, runtime node_modules) below `dest` in the layer. */
export async function addCliBundle(l: LayerBuilder, projectRoot: string, dest: string): Promise<void> {
  await l.file(`${dest}/package.json`, join(projectRoot, 'package.json'), 0o644);
  await l.tree(`${dest}/bin`, join(projectRoot, 'bin'));
  const skipTests = (h: string): boolean => !h.endsWith('.test.ts');
  await l.tree(`${dest}/src`, join(projectRoot, 'src'), skipTests);
  const packages = await runtimePackages(projectRoot);
  const topLevel = packages.filter((p) => !p.slice('node_modules/'.length).includes('/node_modules/'));
  for (const p of topLevel) {
    // Nested node_modules of a package come with its tree; skip its dev-only nested packages? Keep them: correct over tiny.
    await l.tree(`${dest}/${p}`, join(projectRoot, p), (h) => !h.includes(`${sep}.cache${sep}`));
  }
  if (existsSync(join(projectRoot, 'tsconfig.json')))
    await l.file(`${dest}/tsconfig.json`, join(projectRoot, 'tsconfig.json'), 0o644);
}
