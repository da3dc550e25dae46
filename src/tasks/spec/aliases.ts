/** Alias pre-processing for task files with version >= v1.1.0 (ACR §2.4). */
import { parseDocument, isMap, isScalar, isSeq, LineCounter } from 'yaml';
import type { TaskFileIssue } from './types.js';

/** Built-in aliases: each is a template snippet rendered afterwards. */
export const BUILTIN_ALIASES: Record<string, string> = {
  ID: '{{.Run.ID}}',
  SharedVolume: '{{.Run.SharedVolume}}',
  Registry: '{{.Run.Registry}}',
  RegistryName: '{{.Run.RegistryName}}',
  Date: '{{.Run.Date}}',
  OS: '{{.Run.OS}}',
  Architecture: '{{.Run.Architecture}}',
  Commit: '{{.Run.Commit}}',
  Branch: '{{.Run.Branch}}',
};

/** Dockyard's default image aliases (usable as the first word of `cmd` without the directive). Configurable. */
export const DEFAULT_IMAGE_ALIASES: Record<string, string> = { az: 'dockyard/cli', acr: 'dockyard/cli', bash: 'bash' };

export interface AliasOptions {
  imageAliases?: Record<string, string>;
  /** Reads an `alias.src` file (local path relative to the context). Missing = src entries are reported. */
  readSource?: (path: string) => string;
}

export interface AliasResult {
  text: string;
  issues: TaskFileIssue[];
}

const issue = (message: string, line: number, column: number, hint?: string): TaskFileIssue => ({
  code: 'TaskFileInvalid',
  message,
  line,
  column,
  hint,
});

function parseAliasMap(text: string): Record<string, string> {
  const doc = parseDocument(text);
  const out: Record<string, string> = {};
  const root = doc.contents;
  const values = isMap(root) ? (root.get('alias', true) as unknown) : undefined;
  const source = isMap(values) ? values.get('values', true) : root;
  if (isMap(source))
    for (const p of source.items)
      if (isScalar(p.key)) out[String(p.key.value)] = isScalar(p.value) ? String(p.value.value ?? '') : '';
  return out;
}

/**
 * Removes the top-level `alias` block (keeping line numbers) and substitutes `$name` (directive configurable,
 * `$$` = literal directive). Unknown names are left untouched so shell variables survive.
 */
export function applyAliases(text: string, options: AliasOptions = {}): AliasResult {
  const issues: TaskFileIssue[] = [];
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  let directive = '$';
  const aliases: Record<string, string> = { ...(options.imageAliases ?? DEFAULT_IMAGE_ALIASES), ...BUILTIN_ALIASES };
  let body = text;
  const root = doc.contents;
  if (isMap(root)) {
    const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'alias');
    if (pair && pair.value) {
      const node = pair.value as { range?: [number, number, number] };
      const keyRange = (pair.key as { range?: [number, number, number] }).range!;
      const a = pair.value;
      if (isMap(a)) {
        const src = a.get('src', true);
        if (isSeq(src)) {
          for (const item of src.items) {
            const p = isScalar(item) ? String(item.value) : '';
            const pos = lc.linePos((item as { range?: number[] }).range?.[0] ?? 0);
            if (/^https?:\/\//i.test(p))
              issues.push(
                issue(
                  `remote alias source ${p} is not supported offline`,
                  pos.line,
                  pos.col,
                  'copy the file into the context',
                ),
              );
            else if (!options.readSource)
              issues.push(issue(`alias source ${p} cannot be read here`, pos.line, pos.col));
            else {
              try {
                Object.assign(aliases, parseAliasMap(options.readSource(p)));
              } catch (e) {
                issues.push(issue(`failed to read alias source ${p}: ${(e as Error).message}`, pos.line, pos.col));
              }
            }
          }
        }
        const values = a.get('values', true);
        if (isMap(values)) {
          for (const p of values.items) {
            const k = isScalar(p.key) ? String(p.key.value) : '';
            const pos = lc.linePos((p.key as { range?: number[] }).range?.[0] ?? 0);
            if (!/^[A-Za-z0-9]+$/.test(k))
              issues.push(issue(`alias name "${k}" must be alphanumeric`, pos.line, pos.col));
            else aliases[k] = isScalar(p.value) ? String(p.value.value ?? '') : '';
          }
        }
        const d = a.get('directive', true);
        if (d !== undefined) {
          const v = isScalar(d) ? String(d.value) : '';
          const pos = lc.linePos((d as { range?: number[] }).range?.[0] ?? 0);
          if (v.length !== 1 || /[A-Za-z0-9\s]/.test(v))
            issues.push(issue(`alias directive "${v}" must be a single non-alphanumeric character`, pos.line, pos.col));
          else directive = v;
        }
      }
      const start = keyRange[0];
      const end = node.range ? node.range[2] : keyRange[2];
      const removed = text.slice(start, end);
      body = text.slice(0, start) + removed.replace(/[^\n]/g, '') + text.slice(end);
    }
  }
  return { text: substitute(body, directive, aliases, options.imageAliases ?? DEFAULT_IMAGE_ALIASES), issues };
}

function substitute(
  text: string,
  directive: string,
  aliases: Record<string, string>,
  images: Record<string, string>,
): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== directive) {
      out += c;
      continue;
    }
    if (text[i + 1] === directive) {
      out += directive;
      i++;
      continue;
    }
    const m = /^[A-Za-z0-9]+/.exec(text.slice(i + 1));
    if (m && Object.prototype.hasOwnProperty.call(aliases, m[0])) {
      out += aliases[m[0]];
      i += m[0].length;
    } else out += c;
  }
  // Image aliases as the first word of a cmd.
  return out.replace(/^(\s*(?:-\s+)?cmd:\s*["']?)([A-Za-z0-9]+)(?=\s|["']|$)/gm, (all, pre: string, word: string) =>
    Object.prototype.hasOwnProperty.call(images, word) ? pre + images[word] : all,
  );
}
