import { useEffect, useRef, useState } from 'preact/hooks';
import { dockyardPost } from './api.js';

export interface Issue {
  message: string;
  line: number;
  column: number;
  hint?: string;
}

interface Check {
  state: 'idle' | 'checking' | 'ok' | 'invalid' | 'error';
  errors: Issue[];
  warnings: Issue[];
  message?: string;
}

/** Validates as the user types (debounced) through POST /dockyard/v1/task-files/validate, the CLI's own engine. */
export function useTaskFileCheck(content: string, delayMs = 350): Check {
  const [check, setCheck] = useState<Check>({ state: 'idle', errors: [], warnings: [] });
  useEffect(() => {
    if (!content.trim()) {
      setCheck({ state: 'idle', errors: [], warnings: [] });
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      setCheck((c) => ({ ...c, state: 'checking' }));
      dockyardPost<{ ok: boolean; errors: Issue[]; warnings: Issue[] }>(
        '/dockyard/v1/task-files/validate',
        { content, fileName: 'acb.yaml' },
        abort.signal,
      ).then(
        (r) => setCheck({ state: r.ok ? 'ok' : 'invalid', errors: r.errors, warnings: r.warnings }),
        (err: Error) => {
          if (!abort.signal.aborted) setCheck({ state: 'error', errors: [], warnings: [], message: err.message });
        },
      );
    }, delayMs);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [content]);
  return check;
}

/**
 * A YAML text area with a line-number gutter: lines with an error are marked (the message in their tooltip), and the
 * issues are listed under the editor as `line L, column C: message`. Clicking an issue moves the caret there.
 */
export function YamlEditor({ value, set, check }: { value: string; set: (v: string) => void; check: Check }) {
  const area = useRef<HTMLTextAreaElement>(null);
  const lines = value.split('\n');
  const bad = new Map<number, string>();
  for (const e of check.errors) if (!bad.has(e.line)) bad.set(e.line, e.message);
  const goTo = (line: number, column: number) => {
    const t = area.current;
    if (!t) return;
    const offset =
      lines.slice(0, Math.max(0, line - 1)).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, column - 1);
    t.focus();
    t.setSelectionRange(offset, offset);
  };
  return (
    <div class="editor wide">
      <div class="editor-grid">
        <pre class="gutter" aria-hidden="true">
          {lines.map((_, i) => (
            <div
              key={i}
              class={bad.has(i + 1) ? 'bad' : ''}
              title={bad.get(i + 1)}
              data-testid={bad.has(i + 1) ? 'bad-line' : undefined}
            >
              {i + 1}
            </div>
          ))}
        </pre>
        <textarea
          ref={area}
          name="yaml"
          data-testid="yaml-editor"
          spellcheck={false}
          rows={Math.max(8, lines.length + 1)}
          maxLength={1024 * 1024}
          value={value}
          onInput={(e) => set((e.target as HTMLTextAreaElement).value)}
        />
      </div>
      <ul class="issues" data-testid="yaml-issues">
        {check.state === 'ok' ? <li class="ok">✔ valid task file</li> : null}
        {check.state === 'checking' ? <li class="muted">checking…</li> : null}
        {check.state === 'error' ? <li>{check.message}</li> : null}
        {check.errors.map((e, i) => (
          <li key={i} onClick={() => goTo(e.line, e.column)}>
            line {e.line}, column {e.column}: {e.message}
            {e.hint ? ` (${e.hint})` : ''}
          </li>
        ))}
        {check.warnings.map((e, i) => (
          <li key={`w${i}`} class="muted">
            warning, line {e.line}, column {e.column}: {e.message}
          </li>
        ))}
      </ul>
    </div>
  );
}
