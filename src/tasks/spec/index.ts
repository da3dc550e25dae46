/**
 * Task files (acr-task.yaml): render with Go-template semantics, parse, validate and plan, faithful to ACR.
 * validateTaskFile / renderTaskFile never throw for bad input: problems come back as issues with line/column.
 */
import { processTaskFile, type TaskFileInput, type TaskFileResult } from './process.js';
import type { Plan } from '../planner/index.js';
import type { TaskFileIssue } from './types.js';

export type * from './types.js';
export type { TaskFileInput, TaskFileResult } from './process.js';
export { processTaskFile } from './process.js';
export {
  runValues,
  parseSetArgs,
  mergeValues,
  parseValuesFile,
  buildTemplateData,
  shellQuote,
  type RunContext,
  type ValueMap,
} from './values.js';
export { applyAliases, BUILTIN_ALIASES, DEFAULT_IMAGE_ALIASES, type AliasOptions } from './aliases.js';
export { parseBuildArgs, parseGitContext, contextKind } from './build-args.js';
export { parseCmdArgs, normalisePush, withDefaultTag } from './cmd-args.js';
export { shellWords } from './shell-words.js';
export { keyVaultUrlError, keyVaultResource, isGuid, secretError } from './secrets.js';
export {
  stripCommentLines,
  sniffVersion,
  aliasesEnabledFor,
  SUPPORTED_VERSIONS,
  DEFAULT_VERSION,
} from './preprocess.js';
export { parseTaskYaml } from './task.js';
export { taskFileRoutes } from './routes.js';
export { evaluateTaskFile, TaskFileRequestSchema, type TaskFileRequest, type TaskFileAnswer } from './evaluate.js';

export interface ValidateResult {
  ok: boolean;
  plan: Plan | null;
  errors: TaskFileIssue[];
  warnings: TaskFileIssue[];
}

/** Validates a task file the way ACR would run it; `plan` is what a runner executes. */
export function validateTaskFile(input: TaskFileInput): ValidateResult {
  const r = processTaskFile(input);
  return { ok: r.ok, plan: r.plan, errors: r.errors, warnings: r.warnings };
}

/** Renders a task file (like `acb render`): the rendered YAML plus the same issues as validate. */
export function renderTaskFile(input: TaskFileInput): TaskFileResult {
  return processTaskFile(input);
}
