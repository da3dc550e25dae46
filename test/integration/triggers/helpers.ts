import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunRecord } from '../../../src/tasks/index.js';
import type { TestServer } from '../../helpers/server.js';

const exec = promisify(execFile);
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Dockyard Test',
  GIT_AUTHOR_EMAIL: 'test@dockyard.local',
  GIT_COMMITTER_NAME: 'Dockyard Test',
  GIT_COMMITTER_EMAIL: 'test@dockyard.local',
};

/** git in a repository, asynchronously (the server runs in this process; a blocking child would stall it). */
export async function git(dir: string, ...args: string[]): Promise<string> {
  return (await exec('git', ['-C', dir, ...args], { env: GIT_ENV })).stdout.trim();
}

/** Commits a file change; returns the new HEAD. */
export async function commitFile(
  dir: string,
  name: string,
  content: string,
  message = `change ${name}`,
): Promise<string> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`${dir}/${name}`, content);
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export async function runsOf(s: TestServer, registry: string, task: string): Promise<RunRecord[]> {
  return (await s.platform.tasks.runs.list(registry, { taskName: task })).reverse();
}

/** Polls until `pred` holds for the task's runs (oldest first); fails with what it saw. */
export async function waitForRuns(
  s: TestServer,
  registry: string,
  task: string,
  pred: (runs: RunRecord[]) => boolean,
  timeoutMs = 20_000,
): Promise<RunRecord[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const runs = await runsOf(s, registry, task);
    if (pred(runs)) return runs;
    if (Date.now() > until)
      throw new Error(
        `timed out waiting for runs of ${task}: ${JSON.stringify(runs.map((r) => [r.runId, r.status, r.request.trigger.kind, r.result.runErrorMessage]))}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
