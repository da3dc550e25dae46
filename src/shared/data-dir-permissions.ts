import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The process umask while serving: new files 0600, new directories 0700. */
export const PRIVATE_UMASK = 0o077;

/**
 * Sub-trees of the data dir left as they are: the private dockerd's data root (image layers keep their own modes, and
 * it is owned by root anyway) and run workspaces (build contexts keep git's 0644/0755; they are removed after the run).
 */
const UNTOUCHED = new Set(['docker', 'work']);

/**
 * Makes the data dir private: the dir and its sub-directories 0700, files without group/other bits (a 0644 file of
 * an older install becomes 0600; an owner-executable file keeps its owner bits). Symlinks and files of other owners
 * are skipped. Returns how many entries were changed.
 */
export function hardenDataDir(dataDir: string): number {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  let changed = 0;
  const fix = (path: string, isDir: boolean, mode: number, owner: number): void => {
    if (uid >= 0 && owner !== uid) return;
    const want = isDir ? 0o700 : mode & 0o700;
    if ((mode & 0o777) === want) return;
    try {
      chmodSync(path, want);
      changed++;
    } catch {
      /* vanished or not ours: leave it */
    }
  };
  const walk = (dir: string, top: boolean): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (top && UNTOUCHED.has(name)) continue;
      const p = join(dir, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        fix(p, true, st.mode, st.uid);
        walk(p, false);
      } else if (st.isFile()) fix(p, false, st.mode, st.uid);
    }
  };
  const st = lstatSync(dataDir);
  fix(dataDir, true, st.mode, st.uid);
  walk(dataDir, true);
  return changed;
}
