/** Template data for a task file: .Run, .Build (legacy), .Values, .Secrets, .ValuesJSON, .RunJSON (ACR §2.2–2.3). */
import { parse as parseYaml } from 'yaml';
import { formatGoTime } from '../template/index.js';

export interface RunContext {
  id?: string;
  registry?: string;
  /** The registry's name; by default the text before the first dot of `registry` (ACR's host-style login servers). */
  registryName?: string;
  sharedVolume?: string;
  date?: Date;
  os?: string;
  architecture?: string;
  osVersion?: string;
  commit?: string;
  branch?: string;
  repository?: string;
  gitTag?: string;
  triggeredBy?: string;
  taskName?: string;
}

export type ValueMap = Record<string, unknown>;

/** The `.Run` map. Registry name = text before the first dot of the login server. */
export function runValues(run: RunContext = {}): Record<string, string> {
  const registry = run.registry ?? '';
  return {
    ID: run.id ?? '',
    SharedVolume: run.sharedVolume ?? '',
    Registry: registry,
    RegistryName: run.registryName ?? registry.split('.')[0],
    Date: formatGoTime(run.date ?? new Date(), '20060102-150405z'),
    OS: run.os ?? 'linux',
    OSVersion: run.osVersion ?? '',
    Architecture: run.architecture ?? 'amd64',
    Commit: run.commit ?? '',
    Branch: run.branch ?? '',
    Repository: run.repository ?? '',
    GitTag: run.gitTag ?? '',
    TriggeredBy: run.triggeredBy ?? '',
    TaskName: run.taskName ?? '',
  };
}

/** `--set k=v` entries: split on the first `=`, values stay strings. Returns the map and the malformed entries. */
export function parseSetArgs(entries: string[] = []): { values: Record<string, string>; invalid: string[] } {
  const values: Record<string, string> = {};
  const invalid: string[] = [];
  for (const e of entries) {
    const i = e.indexOf('=');
    if (i <= 0) invalid.push(e);
    else values[e.slice(0, i)] = e.slice(i + 1);
  }
  return { values, invalid };
}

const isPlainMap = (v: unknown): v is ValueMap =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/**
 * ACR's merge: `override` wins key by key; nested maps merge; a null in the override deletes the key;
 * a scalar never replaces a map and a map never replaces a scalar ("Skip merging"). Returns a new map.
 */
export function mergeValues(base: ValueMap, override: ValueMap, skipped: string[] = [], prefix = ''): ValueMap {
  const out: ValueMap = structuredClone(base);
  for (const [k, v] of Object.entries(override)) {
    const path = prefix + k;
    if (v === null || v === undefined) {
      delete out[k];
      continue;
    }
    const cur = out[k];
    if (!(k in out)) out[k] = structuredClone(v);
    else if (isPlainMap(cur) && isPlainMap(v)) out[k] = mergeValues(cur, v, skipped, path + '.');
    else if (isPlainMap(cur) || isPlainMap(v)) skipped.push(path);
    else out[k] = structuredClone(v);
  }
  return out;
}

/** Parses a values file (YAML; JSON is YAML). Integers stay integers, floats stay floats. */
export function parseValuesFile(text: string): ValueMap {
  const v = parseYaml(text) as unknown;
  if (v === null || v === undefined) return {};
  if (!isPlainMap(v)) throw new Error('values file must contain a map');
  return v;
}

/** shellescape.Quote */
export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[a-zA-Z0-9@%_+=:,./-]+$/.test(s)) return s;
  return "'" + s.replace(/'/g, `'"'"'`) + "'";
}

export interface TemplateDataInput {
  values?: ValueMap;
  setValues?: string[] | Record<string, string>;
  secretValues?: string[] | Record<string, string>;
  run?: RunContext;
  secrets?: Record<string, string>;
}

export interface TemplateData {
  data: Record<string, unknown>;
  invalidSet: string[];
  skippedMerges: string[];
}

function toSetMap(v: string[] | Record<string, string> | undefined, invalid: string[]): Record<string, string> {
  if (!v) return {};
  if (!Array.isArray(v)) return v;
  const r = parseSetArgs(v);
  invalid.push(...r.invalid);
  return r.values;
}

/** Builds the data passed to the template engine. */
export function buildTemplateData(input: TemplateDataInput): TemplateData {
  const invalidSet: string[] = [];
  const skippedMerges: string[] = [];
  const overrides = { ...toSetMap(input.setValues, invalidSet), ...toSetMap(input.secretValues, invalidSet) };
  const values = mergeValues(input.values ?? {}, overrides, skippedMerges);
  const run = runValues(input.run);
  const data = {
    Run: run,
    Build: { ID: run.ID },
    Values: values,
    Secrets: { ...(input.secrets ?? {}) },
    ValuesJSON: shellQuote(JSON.stringify(values)),
    RunJSON: shellQuote(JSON.stringify(run)),
  };
  return { data, invalidSet, skippedMerges };
}
