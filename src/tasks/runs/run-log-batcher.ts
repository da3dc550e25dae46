import type { Logger } from '../../shared/index.js';
import type { RunLogChunks } from './run-log-chunks.js';

/** A run's log is written to the database at most this often… */
export const LOG_FLUSH_MS = 250;
/** …or as soon as this much is waiting (a chatty build does not do one INSERT per line). */
export const LOG_FLUSH_BYTES = 64 * 1024;
/** Most log text stored per run; past it one notice is stored, then only the final `Run ID: …` line. */
export const MAX_RUN_LOG_BYTES = 16 * 1024 * 1024;
/** Largest single chunk row (a flush of more is split). */
const MAX_ROW_CHARS = 256 * 1024;

/** Cuts `text` into rows of at most MAX_ROW_CHARS, never between the two halves of a surrogate pair. */
function rows(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + MAX_ROW_CHARS);
    const c = text.charCodeAt(end - 1);
    if (end < text.length && c >= 0xd800 && c <= 0xdbff) end--;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/**
 * Batches one run's (already masked) log text into `run_log_chunks` rows: a flush every LOG_FLUSH_MS, or at once when
 * LOG_FLUSH_BYTES are waiting; flushes are serialised, so rows keep the order of the text. Bounded per run by
 * MAX_RUN_LOG_BYTES. A failed flush keeps its text for the next one (the final flush on close gives up and logs).
 */
export class RunLogBatcher {
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private accepted = 0;
  private truncated = false;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly chunks: RunLogChunks,
    private readonly registryName: string,
    private readonly runId: string,
    private readonly log?: Logger,
    private readonly maxBytes = MAX_RUN_LOG_BYTES,
  ) {}

  /** Queues text; `force` (the final line) is stored even past the per-run bound. */
  push(text: string, force = false): void {
    if (!text) return;
    const bytes = Buffer.byteLength(text);
    if (!force && this.accepted + bytes > this.maxBytes) {
      if (this.truncated) return;
      this.truncated = true;
      text = `\n[dockyard] The run's log exceeded ${this.maxBytes / (1024 * 1024)} MiB; further output is not stored.\n`;
    }
    this.accepted += Buffer.byteLength(text);
    this.buffer.push(text);
    this.bufferedBytes += Buffer.byteLength(text);
    if (this.bufferedBytes >= LOG_FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), LOG_FLUSH_MS);
  }

  /** Writes what is waiting now (after any flush in progress). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer.length) return this.chain;
    const text = this.buffer.join('');
    this.buffer = [];
    this.bufferedBytes = 0;
    this.chain = this.chain.then(async () => {
      try {
        await this.chunks.appendMany(this.registryName, this.runId, rows(text));
      } catch (err) {
        if (this.closing) {
          this.log?.error({ err, runId: this.runId }, 'run log text could not be stored');
          return;
        }
        // Kept for the next flush (in front of what came meanwhile).
        this.buffer.unshift(text);
        this.bufferedBytes += Buffer.byteLength(text);
        this.timer ??= setTimeout(() => this.flush(), LOG_FLUSH_MS);
      }
    });
    return this.chain;
  }

  /** Stores everything still waiting; resolves once it is in the database (or given up). */
  async close(): Promise<void> {
    await this.flush();
    this.closing = true;
    await this.flush();
  }
}
