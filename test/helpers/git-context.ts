import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Creates a real git repository with the given files and one commit; returns its path and HEAD. */
export function makeGitRepo(
  dir: string,
  files: Record<string, string>,
  branch = 'main',
): { path: string; head: string } {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Dockyard Test',
        GIT_AUTHOR_EMAIL: 'test@dockyard.local',
        GIT_COMMITTER_NAME: 'Dockyard Test',
        GIT_COMMITTER_EMAIL: 'test@dockyard.local',
      },
    });
  git('init', '-q', '-b', branch);
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  return { path: dir, head: git('rev-parse', 'HEAD').trim() };
}
