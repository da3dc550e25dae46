import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, lchown, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { DockyardError } from '../../shared/index.js';
import { checkSourceLocation, gitEnv, resolveInsideContext, type SourcePolicy } from './source-policy.js';

const exec = promisify(execFile);

export interface Source {
  /** Host directory holding the whole context (mounted at /workspace). */
  root: string;
  /** Subdirectory (relative, may be '') the task runs in: the `:dir` of `repo.git#ref:dir`. */
  subdir: string;
  /** Git HEAD revision when the context is a git checkout. */
  gitHeadRevision?: string;
  branch?: string;
  repositoryUrl?: string;
}

/** `url#ref:dir` → parts. The ref may be empty (`#:dir` means the default branch). */
export function splitContext(context: string): { url: string; ref?: string; dir: string } {
  const hash = context.indexOf('#');
  if (hash < 0) return { url: context, dir: '' };
  const url = context.slice(0, hash);
  const frag = context.slice(hash + 1);
  const colon = frag.indexOf(':');
  const ref = colon < 0 ? frag : frag.slice(0, colon);
  const dir = colon < 0 ? '' : frag.slice(colon + 1);
  return { url, ...(ref ? { ref } : {}), dir: dir.replace(/^\/+|\/+$/g, '') };
}

const safeSubdir = (dir: string): string => {
  const n = normalize(dir || '.');
  if (n.startsWith('..') || n.startsWith(sep))
    throw new DockyardError('InvalidParameter', `The context folder '${dir}' leaves the repository.`);
  return n === '.' ? '' : n;
};

/**
 * Materialises a run's context under `dest`: a git clone (file://, http(s)://, git://, ssh, with `#ref:dir`) or
 * nothing (`/dev/null`). The location is checked against the source policy first (no host directories, no data dir,
 * no `ext::` transports); refs that look like options are refused.
 */
export async function materialiseSource(
  contextPath: string | null,
  dest: string,
  policy: SourcePolicy,
  opts: { signal?: AbortSignal; checkout?: { commit: string; ref?: string } } = {},
): Promise<Source> {
  await mkdir(dest, { recursive: true });
  if (!contextPath || contextPath === '/dev/null') return { root: dest, subdir: '' };
  await checkSourceLocation(policy, contextPath);
  const { url, ref, dir } = splitContext(contextPath);
  const subdir = safeSubdir(dir);
  if (ref && (ref.startsWith('-') || !/^[\w./-]+$/.test(ref)))
    throw new DockyardError('InvalidParameter', `The git reference '${ref}' is invalid.`);
  if (/^oci:\/\//i.test(url))
    throw new DockyardError(
      'InvalidParameter',
      `failed to download context. OCI artifact contexts ('${url}') are not supported by Dockyard.`,
    );
  try {
    await exec('git', ['clone', '--quiet', '--no-hardlinks', ...(ref ? ['--branch', ref] : []), '--', url, dest], {
      timeout: 300_000,
      signal: opts.signal,
      env: gitEnv(),
    });
  } catch (err) {
    throw new DockyardError(
      'InvalidParameter',
      `failed to download context. Please check if the URL is incorrect. If it has credentials, please check if they are expired (${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim()})`,
    );
  }
  if (opts.checkout) await checkoutCommit(dest, opts.checkout, opts.signal);
  await widenModes(dest);
  const head = (await exec('git', ['-C', dest, 'rev-parse', 'HEAD'], { env: gitEnv() })).stdout.trim();
  const branch = (
    await exec('git', ['-C', dest, 'rev-parse', '--abbrev-ref', 'HEAD'], { env: gitEnv() }).catch(() => ({
      stdout: '',
    }))
  ).stdout.trim();
  if (subdir)
    await resolveInsideContext(dest, dest, subdir, 'context folder').catch(() => {
      throw new DockyardError('InvalidParameter', `The folder '${subdir}' does not exist in the repository.`);
    });
  return { root: dest, subdir, gitHeadRevision: head, branch: branch === 'HEAD' ? ref : branch, repositoryUrl: url };
}

/** A triggered run builds the commit that fired it, even if the branch moved on (pull-request refs are fetched). */
async function checkoutCommit(dest: string, c: { commit: string; ref?: string }, signal?: AbortSignal): Promise<void> {
  if (!/^[0-9a-f]{40,64}$/.test(c.commit))
    throw new DockyardError('InvalidParameter', `The commit '${c.commit}' is invalid.`);
  const git = (...args: string[]) => exec('git', ['-C', dest, ...args], { timeout: 300_000, signal, env: gitEnv() });
  const present = await git('cat-file', '-e', `${c.commit}^{commit}`).then(
    () => true,
    () => false,
  );
  if (!present && c.ref && /^refs\/[\w./-]+$/.test(c.ref))
    await git('fetch', '--quiet', 'origin', c.ref).catch(() => undefined);
  try {
    await git('checkout', '--quiet', '--detach', c.commit);
  } catch (err) {
    throw new DockyardError(
      'InvalidParameter',
      `failed to check out commit ${c.commit}: ${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim()}`,
    );
  }
}

/** Extracts an uploaded `tar.gz` context (quick runs) into `dest`. */
export async function extractUpload(archive: string, dest: string): Promise<Source> {
  await mkdir(dest, { recursive: true });
  await chmod(dest, 0o755);
  // -p: the archive's modes as they are, not narrowed by the server's private umask.
  await exec('tar', ['-xzpf', archive, '-C', dest, '--no-same-owner'], { timeout: 300_000 });
  return { root: dest, subdir: '' };
}

/**
 * A quick run's uploaded archive, extracted into `dest`: a local file (an agent's download, or a run queued by an
 * older version), or a blob-store file read through `open` into a private temp file beside the workspace first.
 */
export async function extractUploadFrom(
  location: string,
  dest: string,
  open?: (location: string) => Promise<Readable>,
): Promise<Source> {
  if (isAbsolute(location)) return extractUpload(location, dest);
  if (!open) throw new Error('the uploaded source cannot be read here');
  await mkdir(dirname(dest), { recursive: true, mode: 0o700 });
  const archive = `${dest}.tar.gz`;
  try {
    await pipeline(await open(location), createWriteStream(archive, { mode: 0o600 }));
    return await extractUpload(archive, dest);
  } finally {
    await rm(archive, { force: true });
  }
}

/**
 * The server runs with umask 077 (a private data dir), so a checkout would be 0600/0700: give group/other the read
 * (and search/execute) bits the owner has, as git does under the usual umask 022. Build contexts and step containers
 * (which may run as another user) then see the files as they are in the repository. The workspace's parent stays 0700.
 */
async function widenModes(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const p = join(dir, name);
    const st = await lstat(p);
    if (st.isSymbolicLink()) continue;
    const m = st.mode & 0o7777;
    const wide = m | (m & 0o400 ? 0o044 : 0) | (m & 0o100 ? 0o011 : 0);
    if (wide !== m) await chmod(p, wide);
    if (st.isDirectory()) await widenModes(p);
  }
}

/** Gives a run's workspace to the host ids of remapped container root, so steps can write to `/workspace`. */
export async function chownTree(dir: string, owner: { uid: number; gid: number }): Promise<void> {
  await lchown(dir, owner.uid, owner.gid);
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await chownTree(p, owner);
    else await lchown(p, owner.uid, owner.gid);
  }
}
