/** Shared by the template executor and its argument handling (exec.ts, exec-args.ts). */
export class TemplateExecError extends Error {
  constructor(
    readonly templateName: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'TemplateExecError';
  }
}

export class Control {
  constructor(readonly kind: 'break' | 'continue') {}
}

export interface ExecLimits {
  timeoutMs: number;
  maxSteps: number;
  /** Output budget in characters; also the size cap on any string a function builds (budget.ts). */
  maxOutput: number;
  maxDepth: number;
  /** Work units functions may spend (budget.ts; default DEFAULT_MAX_WORK). */
  maxWork?: number;
}

export interface Var {
  name: string;
  value: unknown;
}

export const NO_FINAL = Symbol('missingVal');
export type Final = unknown | typeof NO_FINAL;

/**
 * The error for a failure at `node` while executing template `current`: Go's `template: <name>:<line>:<col>: executing
 * "<current>" at <<node>>: <msg>`.
 */
export function execErrorAt(
  name: string,
  text: string,
  node: { pos: number; line: number; label: string },
  current: string,
  msg: string,
): TemplateExecError {
  const nl = text.lastIndexOf('\n', node.pos - 1);
  const col = node.pos - nl;
  const where = node.label ? ` at <${node.label}>` : '';
  return new TemplateExecError(
    name,
    node.line,
    col,
    `template: ${name}:${node.line}:${col}: executing "${current}"${where}: ${msg}`,
  );
}

/** Executing a template name that has no tree (Go's wording). */
export const emptyTemplateError = (name: string): TemplateExecError =>
  new TemplateExecError(name, 1, 1, `template: ${name}: "${name}" is an incomplete or empty template`);

/** The innermost variable called `name` in scope (the last declared), if any. */
export function innermost(vars: Var[], name: string): Var | undefined {
  for (let i = vars.length - 1; i >= 0; i--) if (vars[i].name === name) return vars[i];
  return undefined;
}
