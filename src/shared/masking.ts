import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/** What a masked secret value becomes, as ACR prints it in run logs. */
export const MASK = '***';

/**
 * Secret values shorter than this are not masked inside longer text: replacing every `1` or `ab` would garble logs
 * and error messages while hiding nothing (a 1–2 character value is guessable anyway). A string that IS such a value
 * is still masked by {@link SecretSet.maskDeep} (whole-value match).
 */
export const MIN_MASKED_LENGTH = 3;

/** What an absolute data-dir path becomes in anything a user can read. */
export const DATA_DIR_PLACEHOLDER = '<data-dir>';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The forms a secret can take in text: as is, JSON-escaped, URL-encoded, and (multi-line values) each line. */
function variants(value: string): string[] {
  const out = new Set<string>([value]);
  out.add(JSON.stringify(value).slice(1, -1));
  try {
    out.add(encodeURIComponent(value));
  } catch {
    /* lone surrogate: no URL form */
  }
  if (/\r?\n/.test(value)) for (const line of value.split(/\r?\n/)) out.add(line.trim());
  return [...out];
}

/**
 * A set of secret values to mask. A run has its own (a child of {@link knownSecrets}, so whatever it learns is masked
 * in API errors and server logs too); `capacity` bounds a long-lived set (oldest values go first).
 */
export class SecretSet {
  private readonly values = new Map<string, true>();
  private readonly whole = new Set<string>();
  private pattern: RegExp | null | undefined;

  /** `shortWhole: false` (the process-wide set): 1–2 character values are not even matched whole, so one run's `1` never masks another run's tag `1`. */
  constructor(private readonly options: { parent?: SecretSet; capacity?: number; shortWhole?: boolean } = {}) {}

  /** Registers a value (ignored when empty or not a string). */
  add(value: unknown): void {
    if (typeof value !== 'string' || !value) return;
    if (value.length >= MIN_MASKED_LENGTH || this.options.shortWhole !== false) this.whole.add(value);
    for (const v of variants(value)) {
      if (v.length < MIN_MASKED_LENGTH) continue;
      if (this.values.delete(v))
        this.values.set(v, true); // most recent last; the pattern is unchanged
      else {
        this.values.set(v, true);
        this.pattern = undefined;
      }
    }
    const cap = this.options.capacity;
    if (cap) {
      while (this.values.size > cap) {
        this.values.delete(this.values.keys().next().value as string);
        this.pattern = undefined;
      }
      while (this.whole.size > cap) this.whole.delete(this.whole.values().next().value as string);
    }
    this.options.parent?.add(value);
  }

  addAll(values: Iterable<unknown>): this {
    for (const v of values) this.add(v);
    return this;
  }

  get size(): number {
    return this.whole.size;
  }

  /** True when `text` is exactly a registered value (any length). */
  isSecret(text: string): boolean {
    return this.whole.has(text);
  }

  /** One regular expression for every value, longest first (so a secret containing another is masked whole). */
  regex(): RegExp | null {
    if (this.pattern === undefined) {
      const vs = [...this.values.keys()].sort((a, b) => b.length - a.length);
      this.pattern = vs.length ? new RegExp(vs.map(escapeRe).join('|'), 'g') : null;
    }
    return this.pattern;
  }

  /** {@link maskSecrets} with this set. */
  mask(text: string): string {
    return maskSecrets(text, this);
  }

  /** {@link maskDeep} with this set. */
  maskDeep<T>(value: T): T {
    return maskDeep(value, this);
  }
}

/** Every secret value this process has handled recently: API error bodies and the server log are masked with it. */
export const knownSecrets = new SecretSet({ capacity: 4096, shortWhole: false });

const dataDirs = new Map<string, number>();
let dataDirPattern: RegExp | null | undefined;

/** Registers a data dir whose absolute path never appears in user-visible text; returns the matching unregister. */
export function registerDataDir(dir: string): () => void {
  const forms = new Set([resolve(dir)]);
  try {
    forms.add(realpathSync(dir));
  } catch {
    /* not created yet */
  }
  for (const f of forms) if (f !== '/') dataDirs.set(f, (dataDirs.get(f) ?? 0) + 1);
  dataDirPattern = undefined;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const f of forms) {
      const n = (dataDirs.get(f) ?? 1) - 1;
      if (n > 0) dataDirs.set(f, n);
      else dataDirs.delete(f);
    }
    dataDirPattern = undefined;
  };
}

/** Absolute data-dir paths → `<data-dir>/...` (a path that merely starts with the same characters is left alone). */
export function scrubDataDirs(text: string): string {
  if (dataDirPattern === undefined) {
    const dirs = [...dataDirs.keys()].sort((a, b) => b.length - a.length);
    dataDirPattern = dirs.length ? new RegExp(`(?:${dirs.map(escapeRe).join('|')})(?![\\w.-])`, 'g') : null;
  }
  return dataDirPattern ? text.replace(dataDirPattern, DATA_DIR_PLACEHOLDER) : text;
}

/**
 * THE masking function: every registered secret value of `sets` (default: {@link knownSecrets}) becomes `***` and
 * every absolute data-dir path becomes `<data-dir>`. Used for run logs, run error messages, dependency reports, run
 * records, API error bodies and the server log.
 */
export function maskSecrets(text: string, ...sets: SecretSet[]): string {
  let out = text;
  for (const s of sets.length ? sets : [knownSecrets]) {
    const re = s.regex();
    if (re) out = out.replace(re, MASK);
  }
  return scrubDataDirs(out);
}

/** {@link maskSecrets} on every string of a JSON-like value (plain objects and arrays; other objects kept as they are). */
export function maskDeep<T>(value: T, ...sets: SecretSet[]): T {
  const all = sets.length ? sets : [knownSecrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return all.some((s) => s.isSecret(v)) ? MASK : maskSecrets(v, ...all);
    if (Array.isArray(v)) return v.map(walk);
    if (
      v &&
      typeof v === 'object' &&
      (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
    ) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
