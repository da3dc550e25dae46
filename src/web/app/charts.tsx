import type { ComponentChildren } from 'preact';

/** Small hand-made SVG charts (no library: a few hundred bytes gzipped). Values come from /dockyard/v1/aggregates. */

export interface Series {
  name: string;
  color: string;
  values: number[];
}

const W = 560;
const H = 180;
const PAD = { l: 56, r: 8, t: 10, b: 28 };

/** A round axis maximum (1, 2 or 5 × 10^n) at or above the data's. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function Frame({
  max,
  labels,
  fmt,
  children,
  testid,
  title,
}: {
  max: number;
  labels: string[];
  fmt: (n: number) => string;
  children: ComponentChildren;
  testid: string;
  title: string;
}) {
  const ih = H - PAD.t - PAD.b;
  const iw = W - PAD.l - PAD.r;
  const ticks = [0, 0.5, 1];
  const xi = labels.length > 1 ? [0, Math.floor((labels.length - 1) / 2), labels.length - 1] : [0];
  return (
    <svg viewBox={`0 0 ${W} ${H}`} class="chart" role="img" aria-label={title} data-testid={testid}>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t + ih * (1 - t)} y2={PAD.t + ih * (1 - t)} class="grid" />
          <text x={PAD.l - 6} y={PAD.t + ih * (1 - t) + 4} class="axis" text-anchor="end">
            {fmt(max * t)}
          </text>
        </g>
      ))}
      {xi.map((i) => (
        <text
          key={i}
          x={PAD.l + (iw * (i + 0.5)) / Math.max(1, labels.length)}
          y={H - 8}
          class="axis"
          text-anchor="middle"
        >
          {labels[i]}
        </text>
      ))}
      {children}
    </svg>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <div class="legend">
      {series.map((s) => (
        <span key={s.name}>
          <i style={{ background: s.color }} /> {s.name}
        </span>
      ))}
    </div>
  );
}

/** Bars per label: stacked (runs by status) or side by side (pushes and pulls). */
export function BarChart({
  labels,
  series,
  stacked,
  fmt = String,
  testid,
  title,
}: {
  labels: string[];
  series: Series[];
  stacked?: boolean;
  fmt?: (n: number) => string;
  testid: string;
  title: string;
}) {
  const totals = labels.map((_, i) =>
    stacked ? series.reduce((n, s) => n + (s.values[i] ?? 0), 0) : Math.max(0, ...series.map((s) => s.values[i] ?? 0)),
  );
  const max = niceMax(Math.max(0, ...totals));
  const ih = H - PAD.t - PAD.b;
  const slot = (W - PAD.l - PAD.r) / Math.max(1, labels.length);
  const bw = Math.max(1, slot * 0.7);
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <Frame max={max} labels={labels} fmt={fmt} testid={testid} title={title}>
        {labels.map((label, i) => {
          let base = 0;
          return series.map((s, k) => {
            const v = s.values[i] ?? 0;
            if (!v) return null;
            const h = (v / max) * ih;
            const x = stacked
              ? PAD.l + slot * i + (slot - bw) / 2
              : PAD.l + slot * i + (slot - bw) / 2 + (bw / series.length) * k;
            const y = PAD.t + ih - (stacked ? base + h : h);
            if (stacked) base += h;
            return (
              <rect key={`${i}-${k}`} x={x} y={y} width={stacked ? bw : bw / series.length} height={h} fill={s.color}>
                <title>{`${label} ${s.name}: ${fmt(v)}`}</title>
              </rect>
            );
          });
        })}
      </Frame>
      <Legend series={series} />
    </figure>
  );
}

/** A line with points (storage over time, run durations); null values are gaps. */
export function LineChart({
  labels,
  series,
  fmt = String,
  testid,
  title,
}: {
  labels: string[];
  series: Array<{ name: string; color: string; values: Array<number | null> }>;
  fmt?: (n: number) => string;
  testid: string;
  title: string;
}) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const ih = H - PAD.t - PAD.b;
  const slot = (W - PAD.l - PAD.r) / Math.max(1, labels.length);
  const at = (i: number, v: number) => [PAD.l + slot * (i + 0.5), PAD.t + ih - (v / max) * ih] as const;
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <Frame max={max} labels={labels} fmt={fmt} testid={testid} title={title}>
        {series.map((s) => {
          const pts = s.values.map((v, i) => (v === null ? null : at(i, v)));
          const d = pts
            .map((p, i) => (p ? `${i > 0 && pts[i - 1] ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}` : ''))
            .join('');
          return (
            <g key={s.name}>
              <path d={d} fill="none" stroke={s.color} stroke-width="2" />
              {pts.map((p, i) =>
                p ? (
                  <circle key={i} cx={p[0]} cy={p[1]} r="2.5" fill={s.color}>
                    <title>{`${labels[i]}: ${fmt(s.values[i] ?? 0)}`}</title>
                  </circle>
                ) : null,
              )}
            </g>
          );
        })}
      </Frame>
      {series.length > 1 ? <Legend series={series as Series[]} /> : null}
    </figure>
  );
}

/** Horizontal bars, largest first (storage per repository). */
export function HBarChart({
  rows,
  fmt = String,
  testid,
  title,
}: {
  rows: Array<[string, number]>;
  fmt?: (n: number) => string;
  testid: string;
  title: string;
}) {
  const top = rows.slice(0, 10);
  const max = Math.max(1, ...top.map(([, v]) => v));
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <div class="hbars" data-testid={testid}>
        {top.map(([label, v]) => (
          <div key={label} class="hbar" title={`${label}: ${fmt(v)}`}>
            <span class="hbar-label">{label}</span>
            <span class="hbar-track">
              <span class="hbar-fill" style={{ width: `${(v / max) * 100}%` }} />
            </span>
            <span class="hbar-value">{fmt(v)}</span>
          </div>
        ))}
        {rows.length > top.length ? <p class="muted small">and {rows.length - top.length} more</p> : null}
        {!rows.length ? <p class="muted">No repositories yet.</p> : null}
      </div>
    </figure>
  );
}
