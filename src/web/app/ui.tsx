import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/** Loads data for a page; re-runs when `deps` change. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function Show<T>({ load, children }: { load: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (load.error) return <ErrorBox error={load.error} />;
  if (load.data === undefined) return <p class="muted">Loading…</p>;
  return <>{children(load.data)}</>;
}

export function ErrorBox({ error }: { error: Error & { code?: string } }) {
  return (
    <div class="error" role="alert">
      {error.code ? <strong>{error.code}: </strong> : null}
      {error.message}
    </div>
  );
}

export function Table<T>({
  rows,
  columns,
  empty,
  testid,
}: {
  rows: T[];
  columns: Array<[string, (row: T) => ComponentChildren]>;
  empty?: string;
  testid?: string;
}) {
  if (!rows.length) return <p class="muted">{empty ?? 'Nothing here yet.'}</p>;
  return (
    <table data-testid={testid}>
      <thead>
        <tr>
          {columns.map(([h]) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {columns.map(([h, cell]) => (
              <td key={h}>{cell(r)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function isEmpty(v: ComponentChildren): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

export function Fields({ items }: { items: Array<[string, ComponentChildren]> }) {
  return (
    <dl class="fields">
      {items.map(([k, v]) => (
        <>
          <dt key={`k-${k}`}>{k}</dt>
          <dd key={`v-${k}`}>{isEmpty(v) ? <span class="muted">—</span> : v}</dd>
        </>
      ))}
    </dl>
  );
}

export function Status({ value }: { value: string | null | undefined }) {
  const v = value ?? 'Unknown';
  return <span class={`status status-${v.toLowerCase()}`}>{v}</span>;
}

export function Crumbs({ items }: { items: Array<[string, string | null]> }) {
  return (
    <nav class="crumbs">
      {items.map(([label, link], i) => (
        <span key={i}>
          {i > 0 ? ' / ' : ''}
          {link ? <a href={link}>{label}</a> : <span>{label}</span>}
        </span>
      ))}
    </nav>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}
