import { createReadStream } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type { Pack } from 'tar-stream';

// tar-stream loads on first use (only builds and uploads pack contexts).
const requireCjs = createRequire(import.meta.url);
const tar = { pack: (): Pack => (requireCjs('tar-stream') as typeof import('tar-stream')).pack() };

/** A .dockerignore pattern compiled to a regular expression (Go filepath.Match plus `**`, as moby's patternmatcher). */
interface IgnoreRule {
  re: RegExp;
  negate: boolean;
}

function compilePattern(raw: string): IgnoreRule | null {
  let p = raw.trim();
  if (!p || p.startsWith('#')) return null;
  const negate = p.startsWith('!');
  if (negate) p = p.slice(1).trim();
  p = posix.normalize(p.replace(/^\/+/, ''));
  if (p === '.') return null;
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') {
      if (p[i + 1] === '*') {
        i++;
        if (p[i + 1] === '/') i++;
        re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${p.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < p.length) re += `\\${p[++i]}`;
    else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return { re: new RegExp(`^${re}$`), negate };
}

export class DockerIgnore {
  private readonly rules: IgnoreRule[];
  /** Whether the file itself re-includes paths (`!pattern`): excluded directories must then still be walked. */
  readonly hasNegations: boolean;
  constructor(
    text: string,
    private readonly alwaysInclude: string[] = [],
  ) {
    this.rules = text
      .split(/\r?\n/)
      .map(compilePattern)
      .filter((r): r is IgnoreRule => r !== null);
    this.hasNegations = this.rules.some((r) => r.negate);
    if (this.rules.length > 0) {
      for (const f of alwaysInclude) {
        const rule = compilePattern(`!${f}`);
        if (rule) this.rules.push(rule);
      }
    }
  }

  /** True when `rel` (posix path relative to the context) is excluded, checking parent directories like moby. */
  /** Whether an excluded directory must still be walked because something below it may be re-included. */
  mustWalk(dir: string): boolean {
    return this.hasNegations || this.alwaysInclude.some((f) => f.startsWith(`${dir}/`));
  }

  excludes(rel: string): boolean {
    let excluded = false;
    const parts = rel.split('/');
    for (const rule of this.rules) {
      if (rule.negate !== excluded) continue;
      let match = rule.re.test(rel);
      for (let i = 1; !match && i < parts.length; i++) match = rule.re.test(parts.slice(0, i).join('/'));
      if (match) excluded = !rule.negate;
    }
    return excluded;
  }
}

export interface BuildContext {
  stream: Readable;
  /** Dockerfile name inside the context tar, to pass as the API's `dockerfile` parameter. */
  dockerfileInContext: string;
  /** Resolves to the number of tar bytes produced once the stream has ended. */
  bytes: Promise<number>;
}

/** Packs contextDir (honouring .dockerignore) as the docker CLI does; adds an outside Dockerfile under a private name. */
export async function packBuildContext(
  contextDir: string,
  dockerfile = 'Dockerfile',
  useDockerignore = true,
  alwaysExclude: string[] = [],
): Promise<BuildContext> {
  const root = resolve(contextDir);
  const dfPath = isAbsolute(dockerfile) ? dockerfile : resolve(root, dockerfile);
  const dfRel = relative(root, dfPath).split('\\').join('/');
  const outside = dfRel.startsWith('..') || isAbsolute(dfRel);
  const ignoreText = useDockerignore ? await readFile(join(root, '.dockerignore'), 'utf8').catch(() => '') : '';
  const extra = alwaysExclude.map((p) => `\n${p}`).join('');
  const ignore = new DockerIgnore(`${ignoreText}${extra}`, outside ? ['.dockerignore'] : [dfRel, '.dockerignore']);
  const dockerfileInContext = outside ? `.dockyard-dockerfile-${Date.now().toString(36)}` : dfRel;
  const pack = tar.pack();
  let total = 0;
  const counted = new Readable({ read() {} });
  const bytes = new Promise<number>((res, rej) => {
    pack.on('data', (c: unknown) => {
      if (!Buffer.isBuffer(c)) return;
      total += c.length;
      counted.push(c);
    });
    pack.on('end', () => {
      counted.push(null);
      res(total);
    });
    pack.on('error', (e: Error) => {
      counted.destroy(e);
      rej(e);
    });
  });
  bytes.catch(() => undefined);
  void (async () => {
    try {
      await addDir(pack, root, '', ignore);
      if (outside) {
        const content = await readFile(dfPath);
        pack.entry({ name: dockerfileInContext, size: content.length, mode: 0o644, mtime: new Date(0) }, content);
      }
      pack.finalize();
    } catch (err) {
      pack.destroy(err as Error);
    }
  })();
  return { stream: counted, dockerfileInContext, bytes };
}

async function addDir(pack: Pack, root: string, rel: string, ignore: DockerIgnore): Promise<void> {
  const names = (await readdir(join(root, rel))).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    if (ignore.excludes(r)) {
      const st = await lstat(join(root, r));
      // A negated pattern may still re-include something below an excluded directory.
      if (!st.isDirectory() || !ignore.mustWalk(r)) continue;
    }
    const abs = join(root, r);
    const st = await lstat(abs);
    const common = { name: r, mode: st.mode & 0o7777, mtime: st.mtime, uid: 0, gid: 0 };
    if (st.isDirectory()) {
      if (!ignore.excludes(r)) pack.entry({ ...common, type: 'directory' });
      await addDir(pack, root, r, ignore);
    } else if (st.isSymbolicLink()) {
      pack.entry({ ...common, type: 'symlink', linkname: await readlink(abs) });
    } else if (st.isFile()) {
      await new Promise<void>((res, rej) => {
        const entry = pack.entry({ ...common, size: st.size }, (err) => (err ? rej(err) : res()));
        createReadStream(abs).on('error', rej).pipe(entry);
      });
    }
  }
}
