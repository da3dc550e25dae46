import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Room `dockyard serve` keeps in V8's old generation above what survived the last full collection. */
export const OLD_GENERATION_SLACK = 32 * 1024 * 1024;

/** The largest growing factor asked for (1 + 300%: an 8 MiB heap may grow to 32 MiB before it is collected). */
const MAX_PERCENT = 300;
/** Below this the rule is not needed: V8's own growing factor (1.1–4) takes over again. */
const MIN_PERCENT = 50;

const FLAG = /--heap-growing-percent|--initial-old-space-size|--initial-heap-size/;

/**
 * The `--heap-growing-percent` that lets an old generation of `live` bytes grow by about `slack` before V8 starts a
 * full collection, or 0 (V8's own factor) once the heap is big enough for that factor to be under MIN_PERCENT.
 */
export function growingPercentFor(live: number, slack = OLD_GENERATION_SLACK): number {
  if (live <= 0) return MAX_PERCENT;
  const percent = Math.ceil((slack / live) * 100);
  return percent < MIN_PERCENT ? 0 : Math.min(percent, MAX_PERCENT);
}

const isMajor = (e: PerformanceEntry) =>
  (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;

/** Bytes in V8's old generation (every space but the young generation's). */
function oldGenerationBytes(): number {
  return getHeapSpaceStatistics()
    .filter((s) => !s.space_name.startsWith('new_'))
    .reduce((sum, s) => sum + s.space_used_size, 0);
}

/**
 * Keeps a fixed amount of room in V8's old generation of a long-running process (serve). V8 sizes the next collection
 * as a factor of the heap that survived the last one; for a small heap (serve's is ~21 MiB) that leaves ~9 MiB, about
 * the young generation's size, and V8 then starts marking after nearly every scavenge: during a push of 256 MiB through
 * `skopeo` that was a full collection every ~100 ms, ~12 per push, a third of the server's CPU (concurrent marking on
 * V8's worker threads, docs/designs/registry-data-plane.md). V8 reads `--heap-growing-percent` each time it recomputes
 * its limits (after a full collection), so after each one the factor is set to leave OLD_GENERATION_SLACK of room:
 * 300% up to ~11 MiB, 100% at 32 MiB, V8's own factor again from ~64 MiB. 32 MiB rather than 48: the same CPU per
 * skopeo push in a same-run A/B, 13–55 MiB less peak RSS (docs/designs/registry-data-plane.md).
 * `--initial-old-space-size` would do the same but works only at process start. Nothing changes when the user sets a
 * heap-growing or initial-size flag.
 */
export interface OldGenerationSlackOptions {
  slack?: number;
  /** Node and V8 flags the process was started with (a user's own heap-growing flag turns the rule off). */
  flags?: string[];
  /** Bytes in the old generation now (after a full collection). */
  heapBytes?: () => number;
  setFlags?: (flags: string) => void;
}

/** Starts the rule; returns a function that stops it. */
export function keepOldGenerationSlack(options: OldGenerationSlackOptions = {}): () => void {
  const {
    slack = OLD_GENERATION_SLACK,
    flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''],
    heapBytes = oldGenerationBytes,
    setFlags = setFlagsFromString,
  } = options;
  if (flags.some((a) => FLAG.test(a))) return () => undefined;
  let current = -1;
  const update = () => {
    const percent = growingPercentFor(heapBytes(), slack);
    if (percent === current) return;
    current = percent;
    setFlags(`--heap-growing-percent=${percent}`);
  };
  update();
  const observer = new PerformanceObserver((list) => {
    if (list.getEntries().some(isMajor)) update();
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
