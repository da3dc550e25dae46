import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/** Young generation cap of `dockyard serve` (V8's new space, both semi-spaces), instead of V8's 32 MiB default. */
export const YOUNG_GENERATION_CAP = 8 * 1024 * 1024;

const FLAG = /--max-semi-space-size|--semi-space-growth-factor/;

/**
 * Caps V8's young generation of a long-running process (serve) without a restart: `--max-semi-space-size` works only
 * at process start (a flag users would have to pass), but V8 reads `--semi-space-growth-factor` each time it grows the
 * new space, so growth is switched off (factor 1) whenever the new space is at `cap` or above, and back on below it
 * (V8 shrinks it again when allocation is slow). Growth is off until the returned function is called (once the server
 * is up): loading the modules would grow it to the maximum.
 *
 * Why: the young generation grows to 32 MiB of RSS under load (`wrk` small reads, big uploads) for a few percent less
 * garbage-collection time; 8 MiB keeps small reads at the same speed (docs/designs/registry-data-plane.md, memory).
 * Nothing changes when the user sets either flag (NODE_OPTIONS, node's command line).
 */
export function capYoungGeneration(cap = YOUNG_GENERATION_CAP): () => void {
  if ([...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => FLAG.test(a))) return () => undefined;
  let growing = false;
  const update = () => {
    const size = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? cap;
    if (size < cap !== growing) {
      growing = size < cap;
      setFlagsFromString(`--semi-space-growth-factor=${growing ? 2 : 1}`);
    }
  };
  setFlagsFromString('--semi-space-growth-factor=1');
  return () => {
    update();
    // Garbage collections are reported after the fact: at most one growth (to twice the size) before the next check.
    new PerformanceObserver(update).observe({ entryTypes: ['gc'] });
  };
}
