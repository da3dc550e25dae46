/**
 * Engines the CLI can run in-process when no server is reachable. The CLI itself talks HTTP and imports only shared/,
 * so the entry point (src/bin/dockyard.ts) provides them, each loaded lazily on first use (CLI start-up stays light).
 */

/** The body of POST /dockyard/v1/task-files/validate|render. */
export interface TaskFileRequestBody {
  content: string;
  fileName?: string;
  values?: string;
  set?: string[];
  setSecret?: string[];
  run?: { id?: string; registry?: string };
}

/** The same answer the server route gives. */
export type TaskFileEvaluator = (body: TaskFileRequestBody, render: boolean) => unknown;

let taskFileEngine: (() => Promise<TaskFileEvaluator>) | undefined;

export function provideTaskFileEngine(load: () => Promise<TaskFileEvaluator>): void {
  taskFileEngine = load;
}

/** The local task-file engine, or undefined when none was provided (the CLI embedded without the bin entry). */
export async function localTaskFileEngine(): Promise<TaskFileEvaluator | undefined> {
  return taskFileEngine?.();
}
