import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { DockyardError } from '../../shared/index.js';

const exec = promisify(execFile);

/**
 * Which server-side sources a run may use (docs/designs/security-model.md, "Run sources and task file paths"): git
 * URLs, uploaded contexts and `/dev/null` as ACR accepts; `file://` git repositories only outside the data dir and,
 * once any are configured, only under the operator's `allowedLocalContextRoots`. Plain host directories never.
 */
export interface SourcePolicy {
  /** The server's data dir (keys, database, uploads): never a source. */
  dataDir?: string;
  /** When non-empty, `file://` repositories must live under one of these directories. */
  allowedLocalContextRoots: readonly string[];
}

/** git's transports a run may use: no `ext::` (runs commands), no `fd::`, no other remote helpers. */
export const GIT_ALLOWED_PROTOCOLS = 'file:http:https:git:ssh';

/** Environment for every git command a run or trigger starts. */
export function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: GIT_ALLOWED_PROTOCOLS,
    GIT_PROTOCOL_FROM_USER: '0',
  };
}

const REMOTE_URL = /^(https?|git|ssh):\/\/[^-]/i;
const SCP_LIKE = /^git@[^-][^:]*:/;
const NOT_ALLOWED = 'SourceLocationNotAllowed';

const refuse = (location: string, why: string): DockyardError =>
  new DockyardError(
    NOT_ALLOWED,
    `The source location '${location}' is not allowed: ${why}. Use a git URL (file:// for a local repository), an uploaded context, or /dev/null; the CLI uploads local directories.`,
  );

/** The URL part of `url#ref:dir`. */
const urlOf = (location: string): string => {
  const hash = location.indexOf('#');
  return hash < 0 ? location : location.slice(0, hash);
};

/** True when `child` is `parent` or below it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

const real = (p: string): Promise<string | null> => realpath(p).catch(() => null);

/** Is `dir` the top of a git repository (a worktree's root or a bare repository), as git itself sees it? */
async function isRepositoryRoot(dir: string): Promise<boolean> {
  try {
    const out = await exec('git', ['-C', dir, 'rev-parse', '--absolute-git-dir'], { timeout: 10_000, env: gitEnv() });
    const gitDir = await real(out.stdout.trim());
    return gitDir === dir || gitDir === resolve(dir, '.git');
  } catch {
    return false;
  }
}

/**
 * Throws `SourceLocationNotAllowed` unless a run's (or task's) source location is one the server may fetch. Checked when
 * a task is created or updated, when a run is scheduled and again by the runner before it fetches anything.
 */
export async function checkSourceLocation(policy: SourcePolicy, location: string | null | undefined): Promise<void> {
  if (location === null || location === undefined || location === '' || location === '/dev/null') return;
  const url = urlOf(location);
  if (url.startsWith('-')) throw refuse(location, 'it looks like a command-line option');
  if (/^[a-z][a-z0-9+.-]*::/i.test(url)) throw refuse(location, 'git remote helpers (such as ext::) are not allowed');
  if (REMOTE_URL.test(url) || SCP_LIKE.test(url) || /^oci:\/\//i.test(url)) return;
  if (!/^file:\/\//i.test(url)) throw refuse(location, 'a host directory cannot be a server-side source');
  let path: string;
  try {
    const u = new URL(url);
    if (u.hostname && u.hostname !== 'localhost') throw new Error('remote host');
    path = decodeURIComponent(u.pathname);
  } catch {
    throw refuse(location, 'the file:// URL is invalid');
  }
  const dir = await real(path);
  if (!dir) throw refuse(location, 'it is not a git repository');
  const dataDir = policy.dataDir ? ((await real(policy.dataDir)) ?? resolve(policy.dataDir)) : null;
  if (dataDir && (isInside(dataDir, dir) || isInside(dir, dataDir)))
    throw refuse(location, "it is inside the server's data directory");
  if (policy.allowedLocalContextRoots.length) {
    const roots = await Promise.all(policy.allowedLocalContextRoots.map(async (r) => (await real(r)) ?? resolve(r)));
    if (!roots.some((r) => isInside(r, dir)))
      throw refuse(
        location,
        'it is not under a directory listed in allowedLocalContextRoots (--allow-local-context-root)',
      );
  }
  if (!(await isRepositoryRoot(dir))) throw refuse(location, 'it is not a git repository');
}

/**
 * Static check of a path inside a context (taskFilePath, valuesFilePath, dockerFilePath): relative, and not leaving
 * the context once normalised. Throws `PathOutsideContext` naming the path as given (never a host path).
 */
export function checkContextRelativePath(path: string | null | undefined, what: string): void {
  if (path === null || path === undefined || path === '' || path === '-') return;
  const n = posix.normalize(path.replaceAll('\\', '/'));
  if (posix.isAbsolute(n) || n === '..' || n.startsWith('../'))
    throw new DockyardError(
      'PathOutsideContext',
      `The ${what} '${path}' is outside the build context; it must be a relative path inside it.`,
    );
}

/**
 * Resolves `rel` against `base` inside `root`, following symlinks (realpath), and throws `PathOutsideContext` when the
 * result leaves `root` or does not exist. The message names the path as given, never the host path or its content,
 * and is the same in both cases.
 */
export async function resolveInsideContext(root: string, base: string, rel: string, what: string): Promise<string> {
  if (isAbsolute(rel) || posix.isAbsolute(rel.replaceAll('\\', '/')))
    throw new DockyardError(
      'PathOutsideContext',
      `The ${what} '${rel}' is outside the build context; it must be a relative path inside it.`,
    );
  const realRoot = (await real(root)) ?? resolve(root);
  const target = await real(resolve(base, rel));
  // One message for "missing" and "leads outside": the answer must not tell which host paths exist.
  if (!target || !isInside(realRoot, target))
    throw new DockyardError(
      'PathOutsideContext',
      `The ${what} '${rel}' was not found inside the build context (it does not exist, or it leads outside the context).`,
    );
  return target;
}

/** A task step's or quick run's source and paths, checked before it is stored or queued. */
export async function checkStepSources(
  policy: SourcePolicy,
  step: {
    contextPath?: string | null;
    taskFilePath?: string | null;
    valuesFilePath?: string | null;
    dockerFilePath?: string | null;
  },
): Promise<void> {
  await checkSourceLocation(policy, step.contextPath);
  checkContextRelativePath(step.taskFilePath, 'task file');
  checkContextRelativePath(step.valuesFilePath, 'values file');
  checkContextRelativePath(step.dockerFilePath, 'Dockerfile');
}
