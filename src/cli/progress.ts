/**
 * Progress on long CLI work (context upload, `acr import`, waiting for a run): drawn on stderr with `\r` only when
 * both stdout and stderr are terminals and the user did not ask for machine output (`-o json|jsonc|tsv`, or
 * `--only-show-errors`). Piped or machine output is byte-for-byte what it was without progress.
 */

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

/** Output formats a script reads: progress never mixes into a session that asked for one. */
const MACHINE_OUTPUT = ['json', 'jsonc', 'tsv'];

export function progressEnabled(
  o: { output?: string; outputExplicit?: boolean; onlyShowErrors?: boolean },
  stdout: { isTTY?: boolean } = process.stdout,
  stderr: { isTTY?: boolean } = process.stderr,
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (!stdout.isTTY || !stderr.isTTY || o.onlyShowErrors) return false;
  if (env.DOCKYARD_NO_PROGRESS) return false;
  return !(o.outputExplicit && MACHINE_OUTPUT.includes(String(o.output)));
}

export function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** `label [#########-----------] 45% 1.2 MiB/2.6 MiB` (pure; unit-tested). */
export function renderBar(label: string, done: number, total: number, width = 24): string {
  const f = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(f * width);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}% ${formatSize(done)}/${formatSize(total)}`;
}

const FRAMES = ['|', '/', '-', '\\'];

/** `label / 12s` (pure; unit-tested). */
export function renderSpinner(label: string, frame: number, elapsedMs: number): string {
  return `${label} ${FRAMES[frame % FRAMES.length]} ${formatElapsed(elapsedMs)}`;
}

export interface Bar {
  update(done: number): void;
  done(): void;
}

export interface Spinner {
  label(text: string): void;
  stop(final?: string): void;
}

/** Draws bars and spinners on one terminal line; every method is a no-op when disabled. */
export class Progress {
  constructor(
    readonly enabled: boolean,
    private readonly out: ProgressStream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {}

  private draw(line: string): void {
    const max = Math.max(20, (this.out.columns || 80) - 1);
    this.out.write(`\r${line.length > max ? line.slice(0, max) : line}\x1b[K`);
  }

  bar(label: string, total: number): Bar {
    if (!this.enabled) return { update() {}, done() {} };
    let last = -1;
    const update = (n: number) => {
      const pct = total > 0 ? Math.floor((n / total) * 100) : 100;
      if (pct === last) return;
      last = pct;
      this.draw(renderBar(label, n, total));
    };
    update(0);
    return {
      update,
      done: () => {
        update(total);
        this.out.write('\n');
      },
    };
  }

  spinner(initial: string, intervalMs = 120): Spinner {
    if (!this.enabled) return { label() {}, stop() {} };
    const started = this.now();
    let text = initial;
    let frame = 0;
    const tick = () => this.draw(renderSpinner(text, frame++, this.now() - started));
    tick();
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return {
      label: (t) => {
        text = t;
        tick();
      },
      stop: (final) => {
        clearInterval(timer);
        this.draw(final ?? renderSpinner(text, frame, this.now() - started));
        this.out.write('\n');
      },
    };
  }
}
