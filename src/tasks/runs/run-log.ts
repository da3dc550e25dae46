import { EventEmitter } from 'node:events';
import {
  createReadStream,
  existsSync,
  readFileSync,
  mkdirSync,
  openSync,
  closeSync,
  writeSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { knownSecrets, SecretSet } from '../../shared/index.js';

/** Go's standard logger prefix: `YYYY/MM/DD HH:MM:SS ` (UTC). */
export function acbTimestamp(d: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/**
 * Writes one run's log: every chunk has registered secret values masked before it reaches disk or a follower. The
 * same set masks the run's error message and results (RunQueue), so whatever the log hides the run record hides too.
 */
export class RunLogWriter {
  /** The run's secret values (a child of the process-wide set: API errors and server logs mask them too). */
  readonly secrets = new SecretSet({ parent: knownSecrets });
  private fd: number;
  private closed = false;
  private pending = '';

  constructor(
    private readonly file: string,
    private readonly events: EventEmitter,
    private readonly key: string,
  ) {
    this.fd = openSync(file, 'a', 0o600);
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

  flush(): void {
    if (this.pending) {
      const rest = this.pending;
      this.pending = '';
      this.emit(this.mask(rest));
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
    this.events.emit(`done:${this.key}`);
  }

  private emit(text: string): void {
    if (!text) return;
    writeSync(this.fd, text);
    this.events.emit(`data:${this.key}`, text);
  }
}

/** Stored run logs (one file per run) with live following while the run is in progress. */
export class RunLogs {
  private readonly events = new EventEmitter();
  private readonly open = new Set<string>();

  constructor(private readonly dir: string) {
    this.events.setMaxListeners(0);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private fileOf(registryName: string, runId: string): string {
    const d = join(this.dir, registryName.toLowerCase());
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return join(d, `${runId}.log`);
  }

  writer(registryName: string, runId: string): RunLogWriter {
    const key = `${registryName.toLowerCase()}/${runId}`;
    this.open.add(key);
    const w = new RunLogWriter(this.fileOf(registryName, runId), this.events, key);
    this.events.once(`done:${key}`, () => this.open.delete(key));
    return w;
  }

  /** The log written so far (null before the run's first line), for the blob host's ranged reads. */
  snapshot(registryName: string, runId: string): Buffer | null {
    const file = this.fileOf(registryName, runId);
    return existsSync(file) ? readFileSync(file) : null;
  }

  exists(registryName: string, runId: string): boolean {
    return existsSync(this.fileOf(registryName, runId));
  }

  /** The log so far, then (when `follow` and the run is still writing) everything appended until it closes. */
  stream(registryName: string, runId: string, follow: boolean, isFinished: () => Promise<boolean>): Readable {
    const key = `${registryName.toLowerCase()}/${runId}`;
    const file = this.fileOf(registryName, runId);
    const events = this.events;
    const open = this.open;
    return Readable.from(
      (async function* () {
        // Subscribe first so nothing written between the file read and the subscription is lost.
        const queue: string[] = [];
        let done = false;
        let wake: (() => void) | null = null;
        const onData = (t: string) => {
          queue.push(t);
          wake?.();
        };
        const onDone = () => {
          done = true;
          wake?.();
        };
        const live = follow && open.has(key);
        if (live) {
          events.on(`data:${key}`, onData);
          events.once(`done:${key}`, onDone);
        }
        const size = existsSync(file) ? statSync(file).size : 0;
        if (size > 0) for await (const chunk of createReadStream(file, { end: size - 1 })) yield chunk as Buffer;
        if (!live) {
          // Not being written by this process: a queued run that has not started yet may still start.
          if (follow && !(await isFinished())) {
            events.on(`data:${key}`, onData);
            events.once(`done:${key}`, onDone);
            while (!open.has(key) && !(await isFinished())) await new Promise((r) => setTimeout(r, 100));
            if (!open.has(key)) done = true;
          } else return;
        }
        try {
          while (!done || queue.length) {
            if (queue.length) {
              yield Buffer.from(queue.shift()!);
              continue;
            }
            await new Promise<void>((r) => (wake = r));
            wake = null;
          }
        } finally {
          events.off(`data:${key}`, onData);
          events.off(`done:${key}`, onDone);
        }
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
