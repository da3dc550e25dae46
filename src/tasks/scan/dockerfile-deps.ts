/** Runtime and buildtime dependencies of a Dockerfile, following acb's scanner (ACR §4.3), via dockerfile-ast. */
import { DockerfileParser } from 'dockerfile-ast';
import {
  normaliseImageReference,
  parseImageReference,
  type ImageRecord,
  type NormaliseOptions,
  type ReferenceResolver,
} from './image-reference.js';

export interface ScanOptions extends NormaliseOptions {
  /** `--build-arg` values (win over ARG defaults). `NAME` alone means "from the environment" and is ignored here. */
  buildArgs?: string[] | Record<string, string>;
  target?: string;
  /** Maps a FROM reference to the one actually pulled; default = unchanged. */
  resolve?: ReferenceResolver;
}

export interface StageInfo {
  image: string;
  alias?: string;
  /** The external image this stage starts from (after alias resolution), or 'scratch'. */
  origin: string;
  line: number;
}

export interface DependencyScan {
  runtime: ImageRecord | null;
  buildtime: ImageRecord[];
  stages: StageInfo[];
}

export class DockerfileScanError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'DockerfileScanError';
  }
}

function argMap(a: ScanOptions['buildArgs']): Map<string, string> {
  const m = new Map<string, string>();
  if (!a) return m;
  if (!Array.isArray(a)) return new Map(Object.entries(a));
  for (const e of a) {
    const i = e.indexOf('=');
    if (i > 0) m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

/** $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt} from the known args (unknown = empty). */
export function expandArgs(s: string, args: Map<string, string>): string {
  return s.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, braced, op, word, bare) => {
      const name = braced ?? bare;
      const v = args.get(name);
      if (op === '-') return v ? v : word;
      if (op === '+') return v ? word : '';
      return v ?? '';
    },
  );
}

const unquote = (s: string) => s.replace(/^(['"])(.*)\1$/, '$2');

export function scanDockerfile(text: string, options: ScanOptions = {}): DependencyScan {
  const args = argMap(options.buildArgs);
  const doc = DockerfileParser.parse(text.replace(/^\uFEFF/, ''));
  const stages: StageInfo[] = [];
  const aliases = new Map<string, string>();
  for (const ins of doc.getInstructions()) {
    const kw = ins.getKeyword().toUpperCase();
    const line = ins.getRange().start.line + 1;
    if (kw === 'ARG') {
      for (const a of ins.getArguments()) {
        const v = a.getValue();
        const i = v.indexOf('=');
        const name = i < 0 ? v : v.slice(0, i);
        if (i >= 0 && !args.has(name)) args.set(name, unquote(expandArgs(v.slice(i + 1), args)));
      }
    } else if (kw === 'FROM') {
      const words = ins
        .getArguments()
        .map((a) => a.getValue())
        .filter((w) => !w.startsWith('--'));
      if (words.length === 0)
        throw new DockerfileScanError(`unable to understand line ${line}: FROM needs an image`, line);
      if (words.length !== 1 && !(words.length === 3 && words[1].toLowerCase() === 'as')) {
        throw new DockerfileScanError(`unable to understand line ${line}: ${ins.getTextContent?.() ?? 'FROM'}`, line);
      }
      const image = expandArgs(unquote(words[0]), args);
      const alias = words.length === 3 ? words[2] : undefined;
      const origin = aliases.get(image.toLowerCase()) ?? image;
      if (alias) aliases.set(alias.toLowerCase(), origin);
      stages.push({ image, alias, origin, line });
      if (options.target && alias && alias.toLowerCase() === options.target.toLowerCase()) break;
    }
  }
  if (options.target && !stages.some((s) => s.alias?.toLowerCase() === options.target!.toLowerCase())) {
    throw new DockerfileScanError(`target stage ${options.target} could not be found`, 0);
  }
  const record = (ref: string, line: number): ImageRecord => {
    if (ref === 'scratch') return normaliseImageReference('scratch');
    try {
      const resolved = options.resolve ? options.resolve(ref, parseImageReference(ref)) : ref;
      return normaliseImageReference(resolved, options);
    } catch (e) {
      throw new DockerfileScanError(`line ${line}: ${(e as Error).message}`, line);
    }
  };
  if (stages.length === 0) return { runtime: null, buildtime: [], stages };
  const last = stages[stages.length - 1];
  const runtime = record(last.origin, last.line);
  const seen = new Set<string>();
  const buildtime: ImageRecord[] = [];
  for (const s of stages.slice(0, -1)) {
    const r = record(s.origin, s.line);
    if (seen.has(r.reference)) continue;
    seen.add(r.reference);
    buildtime.push(r);
  }
  return { runtime, buildtime, stages };
}
