/**
 * Renders task files in worker threads with a hard deadline (docs/designs/security-model.md "Rendering untrusted
 * templates"). The template engine bounds steps, time, output and printf widths, but a single JavaScript operation
 * (a backtracking regular expression, say) cannot be interrupted on the thread that runs it: a worker can. A render
 * that misses its deadline has its worker terminated and replaced; the caller gets a TemplateError.
 */
import { Worker } from 'node:worker_threads';
import { DockyardError } from '../../shared/index.js';
import type { TaskFileIssue } from './types.js';
import type { RenderRequest } from './render-worker.js';

export interface RenderOutcome {
  ok: boolean;
  errors: TaskFileIssue[];
  warnings: TaskFileIssue[];
  rendered: string | null;
  plan: unknown;
}

export interface RenderPoolOptions {
  /** Worker threads (default 1). */
  size?: number;
  /** Deadline of one render once a worker has it, in ms (default 5000). */
  deadlineMs?: number;
  /** Renders waiting for a worker before new ones are refused (default 32). */
  maxQueue?: number;
  /** Heap of each worker in MiB (default 256). */
  maxHeapMb?: number;
}

interface Job {
  input: RenderRequest['input'];
  resolve(r: RenderOutcome): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker | null;
  ready: Promise<Worker> | null;
  busy: boolean;
}

/** The Worker for render-worker: compiled JS directly; TypeScript sources through tsx (registered in the worker). */
function spawnWorker(maxHeapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./render-worker.js', here), { resourceLimits });
  const entry = new URL('./render-worker.ts', here).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry)}));`;
  return new Worker(boot, { eval: true, resourceLimits });
}

export class RenderPool {
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly deadlineMs: number;
  private readonly maxQueue: number;
  private readonly maxHeapMb: number;
  private nextId = 1;
  private closed = false;

  constructor(options: RenderPoolOptions = {}) {
    this.slots = Array.from({ length: Math.max(1, options.size ?? 1) }, () => ({
      worker: null,
      ready: null,
      busy: false,
    }));
    this.deadlineMs = options.deadlineMs ?? 5000;
    this.maxQueue = options.maxQueue ?? 32;
    this.maxHeapMb = options.maxHeapMb ?? 256;
  }

  /** Renders (and plans) one task file; rejects with TemplateError when the deadline passes or the worker dies. */
  render(input: RenderRequest['input']): Promise<RenderOutcome> {
    if (this.closed)
      return Promise.reject(new DockyardError('EngineUnavailable', 'The task file renderer is shutting down.'));
    if (this.queue.length >= this.maxQueue)
      return Promise.reject(
        new DockyardError('TOOMANYREQUESTS', 'Too many task files are being rendered; retry later.'),
      );
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new DockyardError('EngineUnavailable', 'The task file renderer is shutting down.'));
    await Promise.all(
      this.slots.map(async (s) => {
        const w = s.worker;
        s.worker = null;
        s.ready = null;
        if (w) await w.terminate();
      }),
    );
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.busy || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.busy = true;
      void this.runOn(slot, job).finally(() => {
        slot.busy = false;
        if (!this.closed) this.pump();
      });
    }
  }

  private start(slot: Slot): Promise<Worker> {
    if (slot.ready) return slot.ready;
    const w = spawnWorker(this.maxHeapMb);
    w.unref();
    slot.worker = w;
    slot.ready = new Promise<Worker>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean }) => {
        if (!m?.ready) return;
        w.off('error', onError);
        resolve(w);
      };
      const onError = (err: Error) => {
        this.discard(slot, w);
        reject(err);
      };
      w.once('message', onMessage);
      w.once('error', onError);
    });
    return slot.ready;
  }

  private discard(slot: Slot, w: Worker): void {
    if (slot.worker === w) {
      slot.worker = null;
      slot.ready = null;
    }
    void w.terminate();
  }

  private async runOn(slot: Slot, job: Job): Promise<void> {
    let w: Worker;
    try {
      w = await this.start(slot);
    } catch (e) {
      job.reject(
        new DockyardError('InternalServerError', `The task file renderer could not start: ${(e as Error).message}`),
      );
      return;
    }
    const id = this.nextId++;
    await new Promise<void>((done) => {
      const finish = () => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        done();
      };
      const onMessage = (m: { id?: number; result?: RenderOutcome; error?: string }) => {
        if (m.id !== id) return;
        finish();
        if (m.result) job.resolve(m.result);
        else
          job.reject(
            new DockyardError(
              'InternalServerError',
              `The task file could not be rendered: ${m.error ?? 'unknown error'}`,
            ),
          );
      };
      const onError = (err: Error & { code?: string }) => {
        finish();
        this.discard(slot, w);
        const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
        job.reject(
          new DockyardError(
            'TemplateError',
            oom
              ? `The template was stopped: rendering it needed more than ${this.maxHeapMb} MiB of memory.`
              : `The template could not be rendered: ${err.message}`,
          ),
        );
      };
      const onExit = () => {
        finish();
        this.discard(slot, w);
        job.reject(new DockyardError('TemplateError', 'The template could not be rendered: the renderer stopped.'));
      };
      const timer = setTimeout(() => {
        finish();
        this.discard(slot, w);
        job.reject(
          new DockyardError(
            'TemplateError',
            `The template was stopped: rendering took longer than ${this.deadlineMs} ms.`,
          ),
        );
      }, this.deadlineMs);
      w.on('message', onMessage);
      w.once('error', onError);
      w.once('exit', onExit);
      w.postMessage({ id, input: job.input } satisfies RenderRequest);
    });
  }
}
