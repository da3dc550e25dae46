/** Pure display helpers (unit-tested under node). */

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** A run's duration: from start (or create) to finish, or to now while it runs. */
export function runDuration(
  run: { startTime?: string | null; createTime?: string | null; finishTime?: string | null },
  now = Date.now(),
): string {
  const start = Date.parse(run.startTime ?? run.createTime ?? '');
  if (!Number.isFinite(start)) return '—';
  const end = run.finishTime ? Date.parse(run.finishTime) : now;
  const s = Math.max(0, Math.round((end - start) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** How a run was started, as a short label. */
export function runTrigger(run: {
  runType?: string;
  sourceTrigger?: unknown;
  timerTrigger?: unknown;
  imageUpdateTrigger?: unknown;
  task?: string | null;
}): string {
  if (run.sourceTrigger) return 'Source commit';
  if (run.timerTrigger) return 'Timer';
  if (run.imageUpdateTrigger) return 'Base image update';
  if (run.task) return 'Manual';
  return run.runType === 'QuickRun' ? 'Quick run' : (run.runType ?? 'Manual');
}

export function shortDigest(d: string | null | undefined): string {
  if (!d) return '—';
  const [alg, hex] = d.split(':');
  return hex ? `${alg}:${hex.slice(0, 12)}` : d;
}

export function formatTime(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === '') return '—';
  const d = typeof t === 'number' ? new Date(t * 1000) : new Date(t);
  return Number.isNaN(d.getTime())
    ? String(t)
    : d
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}

export const TERMINAL_RUN = ['Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout'];

/** Splits a resource id into {rg, name} for the dashboard's routes. */
export function rgAndName(id: string): { rg: string; name: string } {
  const parts = id.split('/');
  const i = parts.findIndex((p) => p.toLowerCase() === 'resourcegroups');
  return { rg: i >= 0 ? parts[i + 1] : '', name: parts[parts.length - 1] };
}

/** Masks a secret value: same glyph count cap, never any of its characters. */
export function maskSecret(value: string | null | undefined): string {
  return '•'.repeat(Math.min(12, Math.max(8, value?.length ?? 8)));
}

/** Decodes a base64 task definition (EncodedTask steps) for display. */
export function decodeBase64(b64: string | null | undefined): string {
  if (!b64) return '';
  try {
    const bin = atob(b64);
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return b64;
  }
}

/** `NAME=value` per line → task values. */
export function parseValues(text: string): Array<{ name: string; value: string; isSecret: false }> {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf('=');
      return { name: i < 0 ? l : l.slice(0, i), value: i < 0 ? '' : l.slice(i + 1), isSecret: false as const };
    });
}
