/** Parses a `build:` step string like the acb runner: tags, Dockerfile, build args, target, context (ACR §1.3). */
import { shellWords } from './shell-words.js';
import type { BuildArgs } from './types.js';

const VALUE_FLAGS = new Set([
  '-t',
  '--tag',
  '-f',
  '--file',
  '--build-arg',
  '--target',
  '--label',
  '--cache-from',
  '--cache-to',
  '--network',
  '--platform',
  '--add-host',
  '--cgroup-parent',
  '--cpu-period',
  '--cpu-quota',
  '--cpu-shares',
  '-c',
  '--cpuset-cpus',
  '--cpuset-mems',
  '-m',
  '--memory',
  '--memory-swap',
  '--shm-size',
  '--ulimit',
  '--isolation',
  '--security-opt',
  '--iidfile',
  '--secret',
  '--ssh',
  '--output',
  '-o',
  '--progress',
  '--build-context',
  '--allow',
  '--attest',
  '--sbom',
  '--provenance',
  '--metadata-file',
  '--builder',
]);

/** Splits a git context `url#ref:dir` (Docker's syntax). */
export function parseGitContext(ctx: string): { url: string; ref?: string; dir?: string } {
  const hash = ctx.indexOf('#');
  if (hash < 0) return { url: ctx };
  const url = ctx.slice(0, hash);
  const frag = ctx.slice(hash + 1);
  const colon = frag.indexOf(':');
  const ref = colon < 0 ? frag : frag.slice(0, colon);
  const dir = colon < 0 ? undefined : frag.slice(colon + 1);
  return { url, ref: ref || undefined, dir: dir || undefined };
}

export function contextKind(ctx: string): BuildArgs['contextKind'] {
  if (/^oci:\/\//i.test(ctx)) return 'oci';
  const base = ctx.split('#')[0];
  if (
    /^git@|^git:\/\//.test(ctx) ||
    /\.git$/i.test(base) ||
    /\/_git\//.test(base) ||
    (/^(https?:\/\/)?github\.com\//.test(base) && ctx.includes('#'))
  )
    return 'git';
  if (/^https?:\/\//i.test(ctx)) return /\.git$/i.test(base) ? 'git' : 'tarball';
  return 'local';
}

/** Throws Error with a message when the string cannot be parsed. */
export function parseBuildArgs(raw: string): BuildArgs {
  const words = shellWords(raw);
  const r: BuildArgs = {
    raw,
    tags: [],
    dockerfile: 'Dockerfile',
    buildArgs: [],
    context: '.',
    contextKind: 'local',
    otherFlags: [],
  };
  let context: string | undefined;
  let dockerfileSet = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w.startsWith('-') && w !== '-') {
      const eq = w.startsWith('--') ? w.indexOf('=') : -1;
      const flag = eq > 0 ? w.slice(0, eq) : w;
      let value: string | undefined;
      if (eq > 0) value = w.slice(eq + 1);
      else if (VALUE_FLAGS.has(flag)) {
        if (i + 1 >= words.length) throw new Error(`flag needs an argument: ${flag}`);
        value = words[++i];
      }
      switch (flag) {
        case '-t':
        case '--tag':
          r.tags.push(value!);
          break;
        case '-f':
        case '--file':
          r.dockerfile = value!;
          dockerfileSet = true;
          break;
        case '--build-arg':
          r.buildArgs.push(value!);
          break;
        case '--target':
          r.target = value;
          break;
        default:
          r.otherFlags.push(value === undefined ? flag : `${flag}=${value}`);
      }
    } else {
      context = w;
    }
  }
  if (context !== undefined) r.context = context;
  r.contextKind = contextKind(r.context);
  if (r.contextKind === 'git') r.git = parseGitContext(r.context);
  void dockerfileSet;
  return r;
}
