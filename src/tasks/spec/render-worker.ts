/**
 * Worker-thread entry of the render pool (render-pool.ts): renders and plans one task file per message, so a hostile
 * template costs this thread, never the server's event loop. Answers `{ id, result }` or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { processTaskFile, type TaskFileInput } from './process.js';

export interface RenderRequest {
  id: number;
  input: Omit<TaskFileInput, 'funcs'>;
}

const port = parentPort;
if (port) {
  port.on('message', (msg: RenderRequest) => {
    try {
      const r = processTaskFile(msg.input);
      // Plain JSON crosses the thread boundary (the plan is answered as JSON anyway).
      const result = JSON.parse(
        JSON.stringify({ ok: r.ok, errors: r.errors, warnings: r.warnings, rendered: r.rendered, plan: r.plan }),
      );
      port.postMessage({ id: msg.id, result });
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
  port.postMessage({ ready: true });
}
