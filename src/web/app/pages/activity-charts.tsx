import { dockyard } from '../api.js';
import { formatBytes } from '../format.js';
import { BarChart, HBarChart, LineChart } from '../charts.js';
import { Show, useLoad } from '../ui.js';
import type { RegistryCtx } from './registry.js';

interface Aggregates {
  activity: Array<{ day: string; pushes: number; pulls: number; storageBytes: number | null }>;
  repositories: Array<{ repository: string; bytes: number }>;
  runs: {
    daily: Array<{ day: string; status: string; count: number }>;
    durations: Array<{ runId: string; task: string | null; status: string; finishTime: string; seconds: number }>;
  } | null;
}

const STATUS_COLORS: Record<string, string> = {
  Succeeded: '#127a3a',
  Failed: '#b3261e',
  Canceled: '#6b7385',
  Timeout: '#9a6700',
  Error: '#7b1fa2',
  Running: '#0b63c7',
  Queued: '#8fb3e0',
  Started: '#0b63c7',
};

const short = (day: string) => day.slice(5);
const seconds = (s: number) =>
  s < 10 ? `${s.toFixed(1)}s` : s < 60 ? `${Math.round(s)}s` : `${Math.round(s / 6) / 10}m`;

function load(ctx: RegistryCtx, task?: string) {
  const q = new URLSearchParams({ registry: ctx.registry.id, days: '14', ...(task ? { task } : {}) });
  return dockyard<Aggregates>(`/dockyard/v1/aggregates?${q}`);
}

/** A registry's overview charts: storage over time and per repository, pushes and pulls per day. */
export function RegistryCharts({ ctx }: { ctx: RegistryCtx }) {
  const data = useLoad(() => load(ctx), [ctx.registry.id]);
  return (
    <Show load={data}>
      {(d) => {
        const labels = d.activity.map((a) => short(a.day));
        return (
          <>
            <h3>Activity (last 14 days)</h3>
            <div class="charts">
              <LineChart
                title="Storage used"
                testid="chart-storage"
                labels={labels}
                fmt={formatBytes}
                series={[{ name: 'Storage', color: '#0b63c7', values: d.activity.map((a) => a.storageBytes) }]}
              />
              <BarChart
                title="Pushes and pulls per day"
                testid="chart-traffic"
                labels={labels}
                series={[
                  { name: 'Pushes', color: '#0b63c7', values: d.activity.map((a) => a.pushes) },
                  { name: 'Pulls', color: '#127a3a', values: d.activity.map((a) => a.pulls) },
                ]}
              />
              <HBarChart
                title="Storage per repository"
                testid="chart-repositories"
                fmt={formatBytes}
                rows={d.repositories.map((r) => [r.repository, r.bytes])}
              />
            </div>
          </>
        );
      }}
    </Show>
  );
}

/** Runs per day by status and run duration over time (a registry's tasks, or one task). */
export function RunCharts({ ctx, task }: { ctx: RegistryCtx; task?: string }) {
  const data = useLoad(() => load(ctx, task), [ctx.registry.id, task]);
  return (
    <Show load={data}>
      {(d) => {
        if (!d.runs) return null;
        const days = d.activity.map((a) => a.day);
        const statuses = [...new Set(d.runs.daily.map((r) => r.status))].sort();
        const count = (day: string, status: string) =>
          d.runs!.daily.find((r) => r.day === day && r.status === status)?.count ?? 0;
        const finished = [...d.runs.durations].reverse();
        return (
          <div class="charts">
            <BarChart
              stacked
              title="Runs per day by status"
              testid="chart-runs"
              labels={days.map(short)}
              series={statuses.map((s) => ({
                name: s,
                color: STATUS_COLORS[s] ?? '#999',
                values: days.map((day) => count(day, s)),
              }))}
            />
            <LineChart
              title="Run duration"
              testid="chart-durations"
              labels={finished.map((r) => r.runId)}
              fmt={seconds}
              series={[{ name: 'Duration', color: '#9a6700', values: finished.map((r) => r.seconds) }]}
            />
          </div>
        );
      }}
    </Show>
  );
}
