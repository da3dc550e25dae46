import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { gitEnv } from '../runner/source-policy.js';

const exec = promisify(execFile);

/** Local paths and file://, git://, http(s):// and ssh URLs are what `git ls-remote` understands. */
export function remoteFor(repositoryUrl: string): string {
  if (repositoryUrl.startsWith('-') || /^[a-z][a-z0-9+.-]*::/i.test(repositoryUrl))
    throw new Error(`the repository URL '${repositoryUrl}' is invalid`);
  return repositoryUrl;
}

/** Every ref of a repository with its commit (`git ls-remote`), without prompting for credentials. */
export async function listRemoteRefs(repositoryUrl: string, timeoutMs = 30_000): Promise<Map<string, string>> {
  const { stdout } = await exec('git', ['ls-remote', '--', remoteFor(repositoryUrl)], {
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...gitEnv(), GIT_ASKPASS: 'true' },
  });
  const refs = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (sha && ref && /^[0-9a-f]{40,64}$/.test(sha) && !ref.endsWith('^{}')) refs.set(ref, sha);
  }
  return refs;
}

/** A ref glob (`refs/pull/*\/head`) as a RegExp whose groups capture each `*`. */
export function refPattern(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  return new RegExp(`^${body}$`);
}
