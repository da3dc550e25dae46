/**
 * One task-file check as `acr task validate|render` asks for it: the body of POST /dockyard/v1/task-files/validate
 * (and /render) in, its JSON answer out. The server route and the CLI's local engine (no server running) both call
 * this, so they answer the same.
 */
import { z } from 'zod';
import { processTaskFile } from './process.js';
import type { RunContext } from './values.js';
import type { TaskFileIssue } from './types.js';
import type { Plan } from '../planner/index.js';

export const TaskFileRequestSchema = z.object({
  content: z.string().max(1024 * 1024),
  fileName: z.string().max(256).optional(),
  values: z.union([z.string().max(1024 * 1024), z.record(z.string(), z.unknown())]).optional(),
  set: z.array(z.string()).max(500).optional(),
  setSecret: z.array(z.string()).max(500).optional(),
  run: z
    .object({
      id: z.string().optional(),
      registry: z.string().optional(),
      os: z.string().optional(),
      architecture: z.string().optional(),
      commit: z.string().optional(),
      branch: z.string().optional(),
      taskName: z.string().optional(),
    })
    .optional(),
});
export type TaskFileRequest = z.infer<typeof TaskFileRequestSchema>;

export interface TaskFileAnswer {
  ok: boolean;
  errors: TaskFileIssue[];
  warnings: TaskFileIssue[];
  plan?: Plan | null;
  rendered?: string | null;
}

function mask(text: string | null, secrets: string[]): string | null {
  if (text === null) return null;
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

function maskDeep<T>(v: T, secrets: string[]): T {
  if (typeof v === 'string') return mask(v, secrets) as T;
  if (Array.isArray(v)) return v.map((x) => maskDeep(x, secrets)) as T;
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskDeep(x, secrets)])) as T;
  return v;
}

/** Validates (the plan) or renders (the YAML) a task file; secret values are masked in either answer. */
export function evaluateTaskFile(b: TaskFileRequest, render: boolean, defaults: RunContext = {}): TaskFileAnswer {
  const r = processTaskFile({
    text: b.content,
    fileName: b.fileName,
    values: b.values,
    setValues: b.set,
    secretValues: b.setSecret,
    run: { ...defaults, ...(b.run ?? {}), date: new Date() },
  });
  const secretValues = (b.setSecret ?? []).map((s) => s.slice(s.indexOf('=') + 1));
  const base = { ok: r.ok, errors: r.errors, warnings: r.warnings };
  return render
    ? { ...base, rendered: mask(r.rendered, secretValues) }
    : { ...base, plan: maskDeep(r.plan, secretValues) };
}
