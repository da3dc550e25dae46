import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorBox } from './ui.js';

/** Runs an action for a form: busy while it runs, its error shown until the next try. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(err as Error);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** A collapsible form (closed until opened), submitted with Enter or its button. */
export function Panel({
  title,
  testid,
  submit,
  busy,
  error,
  onSubmit,
  children,
  open,
  disabled,
}: {
  title: string;
  testid: string;
  submit: string;
  busy: boolean;
  error: Error | null;
  onSubmit: () => void;
  children: ComponentChildren;
  open?: boolean;
  /** Blocks submitting (e.g. while the input is known to be invalid). */
  disabled?: boolean;
}) {
  return (
    <details class="panel" data-testid={testid} open={open}>
      <summary>{title}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        {children}
        <div class="actions">
          <button class="primary" type="submit" disabled={busy || disabled} data-testid={`${testid}-submit`}>
            {busy ? 'Working…' : submit}
          </button>
        </div>
        {error ? <ErrorBox error={error} /> : null}
      </form>
    </details>
  );
}

type Setter<T> = (patch: Partial<T>) => void;

/** A form's state as one object, with a setter taking a partial update. */
export function useFields<T extends object>(initial: T): [T, Setter<T>, (v: T) => void] {
  const [v, set] = useState<T>(initial);
  return [v, (patch) => set((old) => ({ ...old, ...patch })), set];
}

const value = (e: Event) => (e.target as HTMLInputElement).value;

export function Text({
  label,
  name,
  value: v,
  set,
  required,
  placeholder,
  list,
}: {
  label: string;
  name: string;
  value: string;
  set: (v: string) => void;
  required?: boolean;
  placeholder?: string;
  list?: string;
}) {
  return (
    <label>
      {label}
      <input
        name={name}
        value={v}
        required={required}
        placeholder={placeholder}
        list={list}
        maxLength={1024}
        onInput={(e) => set(value(e))}
      />
    </label>
  );
}

export function Choice({
  label,
  name,
  value: v,
  set,
  options,
}: {
  label: string;
  name: string;
  value: string;
  set: (v: string) => void;
  options: Array<string | [string, string]>;
}) {
  return (
    <label>
      {label}
      <select name={name} value={v} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
        {options.map((o) => {
          const [val, text] = Array.isArray(o) ? o : [o, o];
          return (
            <option key={val} value={val}>
              {text}
            </option>
          );
        })}
      </select>
    </label>
  );
}

export function Check({
  label,
  name,
  value: v,
  set,
}: {
  label: string;
  name: string;
  value: boolean;
  set: (v: boolean) => void;
}) {
  return (
    <label class="check">
      <input type="checkbox" name={name} checked={v} onChange={(e) => set((e.target as HTMLInputElement).checked)} />{' '}
      {label}
    </label>
  );
}

/** A delete button that asks first; shown only when the caller may delete (the API refuses anyway). */
export function DeleteButton({
  what,
  testid,
  onDelete,
}: {
  what: string;
  testid: string;
  onDelete: () => Promise<unknown>;
}) {
  const a = useAction();
  return (
    <>
      <button
        class="danger small"
        data-testid={testid}
        disabled={a.busy}
        onClick={() => confirm(`Delete ${what}?`) && void a.run(onDelete)}
      >
        Delete
      </button>
      {a.error ? <ErrorBox error={a.error} /> : null}
    </>
  );
}
