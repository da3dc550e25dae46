/** The `when` DAG (ACR §1.8) and the plan object a runner executes. */
import type { Network, Secret, Step, Task, TaskFileIssue, Volume } from '../spec/index.js';

export const ROOT_ID = 'acb_root';
export const DEFAULT_NETWORK = 'acb_default_network';

export interface PlannedStep extends Step {
  /** Step ids this step waits for (empty = starts at once, a child of acb_root). */
  dependsOn: string[];
  /** Steps that wait for this one. */
  dependants: string[];
  /** Network the step joins (`--network`), or undefined for none. */
  effectiveNetwork?: string;
}

export interface Plan {
  version: string;
  stepTimeout: number;
  env: string[];
  secrets: Secret[];
  networks: Network[];
  /** Network created for the run when the file declares none. */
  defaultNetwork?: string;
  volumes: Volume[];
  steps: PlannedStep[];
  /** Steps that start immediately (children of acb_root). */
  roots: string[];
  /** A topological order of step ids (file order among ready steps). */
  order: string[];
}

export interface PlanResult {
  plan: Plan | null;
  errors: TaskFileIssue[];
}

export interface PlanOptions {
  /** Windows agents default the network driver to nat; Dockyard runs Linux containers. */
  createDefaultNetwork?: boolean;
}

/** Builds the DAG exactly as acb walks the list: edges only to earlier steps. */
export function planTask(task: Task, options: PlanOptions = {}): PlanResult {
  const errors: TaskFileIssue[] = [];
  const err = (s: Step, message: string, hint?: string) =>
    errors.push({ code: 'TaskFileInvalid', message, line: s.pos.line, column: s.pos.column, hint });
  const seen = new Map<string, PlannedStep>();
  const steps: PlannedStep[] = [];
  let prev: PlannedStep | null = null;
  for (const s of task.steps) {
    if (s.id === ROOT_ID) {
      err(s, `step ID ${ROOT_ID} is reserved`, 'choose another id');
      continue;
    }
    if (seen.has(s.id)) {
      err(s, `${s.id} already exists as a vertex`, 'step ids must be unique');
      continue;
    }
    const p: PlannedStep = { ...s, dependsOn: [], dependants: [] };
    if (s.when.length === 0) {
      if (prev) p.dependsOn.push(prev.id);
    } else if (s.when.includes('-')) {
      if (s.when.length > 1)
        err(
          s,
          `step ${s.id}: "-" cannot be combined with other step IDs in when`,
          'use when: ["-"] alone to start at once',
        );
    } else {
      for (const dep of s.when) {
        if (dep === s.id) err(s, `step ${s.id} cannot depend on itself`);
        else if (!seen.has(dep)) {
          const later = task.steps.some((x) => x.id === dep);
          err(
            s,
            `${dep} does not exist as a vertex`,
            later
              ? `${dep} is defined later in the file; when may only name earlier steps`
              : `no step has the id ${dep}`,
          );
        } else if (!p.dependsOn.includes(dep)) p.dependsOn.push(dep);
      }
    }
    seen.set(s.id, p);
    steps.push(p);
    prev = p;
  }
  if (errors.length) return { plan: null, errors };
  for (const p of steps) for (const d of p.dependsOn) seen.get(d)!.dependants.push(p.id);

  let defaultNetwork: string | undefined;
  if (task.networks.length === 0) {
    if (options.createDefaultNetwork !== false) defaultNetwork = DEFAULT_NETWORK;
  } else {
    const flagged = task.networks.filter((n) => n.isDefault);
    if (flagged.length) defaultNetwork = flagged[flagged.length - 1].name;
  }
  for (const p of steps) if (p.type !== 'push') p.effectiveNetwork = p.network ?? defaultNetwork;

  // Kahn's algorithm, file order among ready steps (acb starts ready steps concurrently).
  const indeg = new Map(steps.map((p) => [p.id, p.dependsOn.length]));
  const order: string[] = [];
  const ready = steps.filter((p) => p.dependsOn.length === 0).map((p) => p.id);
  const roots = [...ready];
  while (ready.length) {
    const id = ready.shift()!;
    order.push(id);
    for (const d of seen.get(id)!.dependants) {
      indeg.set(d, indeg.get(d)! - 1);
      if (indeg.get(d) === 0) ready.push(d);
    }
  }
  return {
    plan: {
      version: task.version,
      stepTimeout: task.stepTimeout,
      env: task.env,
      secrets: task.secrets,
      networks: task.networks,
      defaultNetwork: task.networks.length === 0 ? defaultNetwork : undefined,
      volumes: task.volumes,
      steps,
      roots,
      order,
    },
    errors,
  };
}

/** Environment of a step: task env merged under the step's own (the step's key wins). */
export function stepEnv(plan: Pick<Plan, 'env'>, step: Pick<Step, 'env'>): string[] {
  const m = new Map<string, string>();
  for (const e of [...plan.env, ...step.env]) m.set(e.slice(0, e.indexOf('=')), e);
  return [...m.values()];
}
