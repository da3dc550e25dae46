/**
 * Resource limits every template function respects (docs/designs/template-engine.md "Limits"). The executor installs
 * a budget for the duration of one render; functions and formatters call `checkSize` before building a string and
 * `spend` for each unit of work that does not show up in the executor's step count (walking a nested value, a
 * regex over a big string...). Both throw `TemplateLimitError`, which the executor reports as a template error at
 * the node being evaluated.
 */

/** Largest printf width or precision (Go allows 1e6; nothing a task file needs is near 1000). */
export const MAX_FORMAT_NUMBER = 1000;
/** Default cap on the rendered output and on any single string value built while rendering (1 MiB). */
export const DEFAULT_MAX_OUTPUT = 1024 * 1024;
/** Default cap on function work units (value nodes walked, characters formatted) per render. */
export const DEFAULT_MAX_WORK = 20_000_000;

export class TemplateLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateLimitError';
  }
}

export interface Budget {
  /** Largest string any function or the output may reach, in characters. */
  maxSize: number;
  /** Work units functions may spend in total. */
  maxWork: number;
  /** Date.now() after which spending fails (the executor's time budget). */
  deadline: number;
  timeoutMs: number;
}

interface Active extends Budget {
  spent: number;
  /** The first limit error of this render: functions that swallow errors (toJson) cannot hide it. */
  tripped: TemplateLimitError | null;
}

const UNBOUNDED: Active = {
  maxSize: DEFAULT_MAX_OUTPUT,
  maxWork: Number.MAX_SAFE_INTEGER,
  deadline: Number.POSITIVE_INFINITY,
  timeoutMs: 0,
  spent: 0,
  tripped: null,
};
let active: Active = UNBOUNDED;

/** Runs `fn` under `budget` (rendering is synchronous, so one active budget at a time; nesting restores the outer). */
export function withBudget<T>(budget: Budget, fn: () => T): T {
  const saved = active;
  active = { ...budget, spent: 0, tripped: null };
  try {
    return fn();
  } finally {
    active = saved;
  }
}

/** Rethrows a limit error a function caught and swallowed. */
export function rethrowTripped(): void {
  if (active.tripped) throw active.tripped;
}

function trip(message: string): never {
  const e = new TemplateLimitError(message);
  if (active !== UNBOUNDED) active.tripped ??= e;
  throw e;
}

/** Throws unless a string of `length` characters fits the size cap. `what` names the producer in the message. */
export function checkSize(length: number, what: string): void {
  if (length > active.maxSize) {
    trip(`${what} would produce ${length} characters, more than the template output limit of ${active.maxSize}`);
  }
}

/** Charges `units` of work; throws once the work or time budget is exhausted. */
export function spend(units = 1): void {
  const before = active.spent;
  active.spent += units;
  if (active.spent > active.maxWork) trip(`template exceeded its work budget (${active.maxWork} units)`);
  if (before >>> 12 !== active.spent >>> 12 && Date.now() > active.deadline) {
    trip(`template exceeded its time budget (${active.timeoutMs} ms)`);
  }
}

/** Throws unless a printf width or precision is within MAX_FORMAT_NUMBER. */
export function checkFormatNumber(n: number, what: 'width' | 'precision', text = String(n)): void {
  if (!(Math.abs(n) <= MAX_FORMAT_NUMBER)) {
    const shown = text.length > 20 ? `${text.slice(0, 20)}...` : text;
    trip(`printf ${what} ${shown} is larger than the limit of ${MAX_FORMAT_NUMBER}`);
  }
}
