import { EventEmitter } from 'node:events';
import { createReadStream, existsSync, readFileSync, openSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { knownSecrets, SecretSet, type Logger } from '../../shared/index.js';
import type { RunLogChunks } from './run-log-chunks.js';
import { RunLogBatcher } from './run-log-batcher.js';

/** Go's standard logger prefix: `YYYY/MM/DD HH:MM:SS ` (UTC). */
export function acbTimestamp(d: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/**
 * Writes one run's log: every chunk has registered secret values masked before it reaches a file, the database or a
 * follower. The same set masks the run's error message and results (RunQueue), so whatever the log hides the run
 * record hides too. On the server the text goes to the database (`sink`, batched); an agent keeps a file of its own.
 */
export class RunLogWriter {
  /** The run's secret values (a child of the process-wide set: API errors and server logs mask them too). */
  readonly secrets = new SecretSet({ parent: knownSecrets });
  private fd: number | null;
  private closed = false;
  private pending = '';
  private stored: Promise<void> = Promise.resolve();

  constructor(
    file: string | null,
    private readonly events: EventEmitter,
    private readonly key: string,
    private readonly sink?: RunLogBatcher,
  ) {
    this.fd = file ? openSync(file, 'a', 0o600) : null;
  }

  /** Values that must never appear in the log (resolved secrets, passwords, tokens). */
  addSecret(value: string | undefined | null): void {
    this.secrets.add(value);
  }

  /** `text` with the run's secrets and data-dir paths masked (shared/masking.ts). */
  mask(text: string): string {
    return this.secrets.mask(text);
  }

  /** Raw container/build output, masked. Partial lines are held until the newline so a secret split across chunks is still masked. */
  write(chunk: string): void {
    if (this.closed) return;
    this.pending += chunk;
    const nl = this.pending.lastIndexOf('\n');
    if (nl < 0 && this.pending.length < 64 * 1024) return;
    const cut = nl < 0 ? this.pending.length : nl + 1;
    const ready = this.pending.slice(0, cut);
    this.pending = this.pending.slice(cut);
    this.emit(this.mask(ready));
  }

  /** A runner line in acb's format. */
  line(message: string, at: Date = new Date()): void {
    this.write(`${acbTimestamp(at)} ${message}\n`);
  }

  /** A line without the timestamp prefix (service lines such as the final `Run ID: ...`). */
  plain(message: string): void {
    this.write(`${message}\n`);
  }

  /** The run's final `Run ID: …` line: stored even when the log reached its size bound. Then closes. */
  last(message: string): Promise<void> {
    if (this.closed) return this.stored;
    this.flush();
    this.emit(this.mask(`${message}\n`), true);
    return this.close();
  }

  flush(): void {
    if (this.pending) {
      const rest = this.pending;
      this.pending = '';
      this.emit(this.mask(rest));
    }
  }

  /** Ends the log; the promise settles once its text is stored (in the database on the server). */
  close(): Promise<void> {
    if (this.closed) return this.stored;
    this.flush();
    this.closed = true;
    if (this.fd !== null) closeSync(this.fd);
    this.events.emit(`done:${this.key}`);
    this.stored = this.sink ? this.sink.close() : Promise.resolve();
    return this.stored;
  }

  private emit(text: string, force = false): void {
    if (!text) return;
    if (this.fd !== null) writeSync(this.fd, text);
    this.sink?.push(text, force);
    this.events.emit(`data:${this.key}`, text);
  }
}

/** A run as the log readers need it. */
export interface RunLogRef {
  registryName: string;
  runId: string;
  /** Agent runs never had a log file on the server that counts (their chunks were always in the database). */
  agentPool?: string | null;
}

/**
 * Run logs: written to the database (`run_log_chunks`, batched) so every API node reads and follows every run's log,
 * whichever node ran it. Logs of server runs from before that are files under `<dir>/<registry>/<runId>.log`, still
 * served (followed by any chunks written since, e.g. an interrupted run's final line) on the node that has them.
 */
export class RunLogs {
  private readonly events = new EventEmitter();

  constructor(
    private readonly dir: string,
    readonly chunks: RunLogChunks,
    private readonly log?: Logger,
  ) {
    this.events.setMaxListeners(0);
  }

  /** An older version's log file of a server run, if this node has it. */
  private legacyFile(run: RunLogRef): string | undefined {
    if (run.agentPool) return undefined;
    const file = join(this.dir, run.registryName.toLowerCase(), `${run.runId}.log`);
    return existsSync(file) ? file : undefined;
  }

  /**
   * The writer of a run's log. `store: false` only masks (an agent's run: its chunks are stored as they arrive, by
   * `RunQueue.appendRemote`).
   */
  writer(registryName: string, runId: string, options: { store?: boolean } = {}): RunLogWriter {
    const key = `${registryName.toLowerCase()}/${runId}`;
    const sink = options.store === false ? undefined : new RunLogBatcher(this.chunks, registryName, runId, this.log);
    return new RunLogWriter(null, this.events, key, sink);
  }

  /** The log written so far (null before the run's first line), for the blob host's ranged reads. */
  async text(run: RunLogRef): Promise<Buffer | null> {
    const file = this.legacyFile(run);
    const stored = await this.chunks.text(run.registryName, run.runId);
    if (!file) return stored ?? null;
    return Buffer.concat([readFileSync(file), ...(stored ? [stored] : [])]);
  }

  /** The log so far, then (when `follow`) what is appended until the run ends — on any node. */
  stream(run: RunLogRef, follow: boolean, isFinished: () => Promise<boolean>): Readable {
    const file = this.legacyFile(run);
    const chunks = this.chunks.stream(run.registryName, run.runId, follow, isFinished);
    if (!file) return chunks;
    return Readable.from(
      (async function* () {
        yield* createReadStream(file);
        yield* chunks;
      })(),
    );
  }
}

/** Go-style duration as ACR prints it at the end of a run: `35s`, `1m9s`, `1h2m3s`. */
export function goDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}
