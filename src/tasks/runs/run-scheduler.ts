import { DockyardError } from '../../shared/index.js';
import type { Task, SetValue, TaskProperties } from '../resources/model.js';
import { parsePlatform } from '../resources/task-body.js';
import type { RunStore } from './run-store.js';
import type { RunQueue } from './run-queue.js';
import type { RunRecord, RunRequest, RunTrigger, RunType } from './model.js';
import { TIMEOUT_DEFAULT, TIMEOUT_MAX, TIMEOUT_MIN } from '../resources/model.js';

export interface TaskRunOverrides {
  values?: SetValue[];
  secureValues?: Record<string, string>;
  taskFilePath?: string;
  contextPath?: string;
  /** Dockyard's edit-run loop: run this task file content instead of the task's own (same context, values, identity). */
  encodedTaskContent?: string;
  /** An uploaded context (`az acr task run -c <local dir>`) instead of the task's own. */
  uploadedContext?: string;
  /** Run on this agent pool instead of the task's (`az acr task run --agent-pool`). */
  agentPoolName?: string;
}

/** Checks that a registry has a (usable) agent pool; throws ResourceNotFound otherwise. */
export interface PoolCheck {
  require(registry: { id: string; name: string; location: string }, name: string): Promise<{ name: string }>;
}

export interface RegistryInfo {
  id: string;
  name: string;
  resourceGroup: string;
}

/** Queues runs: of a task (manual or triggered) and quick runs (`acr run`, `acr build`). */
export class RunScheduler {
  constructor(
    private readonly runs: RunStore,
    private readonly queue: RunQueue,
    private readonly pools?: PoolCheck,
  ) {}

  /** The pool's canonical name, or null (no pool: the server's own engine runs it). */
  private async poolOf(registry: RegistryInfo, name: string | null | undefined): Promise<string | null> {
    if (!name) return null;
    if (!this.pools) throw new DockyardError('InvalidParameter', 'Agent pools are not available on this server.');
    return (await this.pools.require({ id: registry.id, name: registry.name, location: '' }, name)).name;
  }

  async runTask(
    task: Task,
    registry: RegistryInfo,
    overrides: TaskRunOverrides = {},
    trigger: RunTrigger = { kind: 'Manual' },
  ): Promise<RunRecord> {
    const step = structuredClone(task.properties.step);
    if (overrides.contextPath !== undefined) step.contextPath = overrides.contextPath;
    let runStep = step;
    if (overrides.encodedTaskContent !== undefined) {
      const values = step.type === 'Docker' ? [] : step.values;
      runStep = {
        type: 'EncodedTask',
        contextPath: step.contextPath,
        contextAccessToken: null,
        encodedTaskContent: overrides.encodedTaskContent,
        encodedValuesContent: null,
        values,
        baseImageDependencies: null,
      };
    }
    if (overrides.taskFilePath !== undefined) {
      if (step.type !== 'FileTask')
        throw new DockyardError('InvalidParameter', 'Overriding the task file is only supported for file-based tasks.');
      step.taskFilePath = overrides.taskFilePath;
    }
    // Secret values of the task come along; run overrides win.
    const secureValues: Record<string, string> = {};
    for (const [k, v] of Object.entries(task.secure)) secureValues[k] = v;
    Object.assign(secureValues, overrides.secureValues ?? {});
    const request: RunRequest = {
      registryName: registry.name,
      registryId: registry.id,
      resourceGroup: registry.resourceGroup,
      taskId: task.id,
      taskName: task.name,
      step: runStep,
      platform: task.properties.platform,
      credentials: task.properties.credentials,
      identity: task.identity,
      values: overrides.values ?? [],
      secureValues,
      uploadedContext: overrides.uploadedContext ?? null,
      trigger,
      // The switch covers the task's own definition: a run that replaces the task file content does not inherit it.
      allowPrivilegedSteps:
        task.properties.allowPrivilegedSteps === true &&
        overrides.encodedTaskContent === undefined &&
        overrides.taskFilePath === undefined,
      agentPoolName: await this.poolOf(registry, overrides.agentPoolName ?? task.properties.agentPoolName),
    };
    const auto = trigger.kind !== 'Manual';
    const runType: RunType =
      runStep.type === 'Docker' ? (auto ? 'AutoBuild' : 'QuickBuild') : auto ? 'AutoRun' : 'QuickRun';
    const run = await this.runs.create(request, runType, task.properties.timeout);
    this.queue.notify();
    return run;
  }

  async quickRun(
    registry: RegistryInfo,
    input: {
      step: TaskProperties['step'];
      platform?: Record<string, unknown>;
      timeout?: number;
      values?: SetValue[];
      secureValues?: Record<string, string>;
      uploadedContext?: string | null;
      credentials?: TaskProperties['credentials'];
      agentPoolName?: string | null;
    },
  ): Promise<RunRecord> {
    const timeout = input.timeout ?? TIMEOUT_DEFAULT;
    if (!Number.isInteger(timeout) || timeout < TIMEOUT_MIN || timeout > TIMEOUT_MAX) {
      throw new DockyardError(
        'InvalidParameter',
        `The timeout '${timeout}' is invalid. It must be between ${TIMEOUT_MIN} and ${TIMEOUT_MAX} seconds.`,
      );
    }
    const request: RunRequest = {
      registryName: registry.name,
      registryId: registry.id,
      resourceGroup: registry.resourceGroup,
      taskId: null,
      taskName: null,
      step: input.step,
      platform: parsePlatform(input.platform),
      credentials: input.credentials ?? { sourceRegistry: { loginMode: 'Default' }, customRegistries: {} },
      identity: null,
      values: input.values ?? [],
      secureValues: input.secureValues ?? {},
      uploadedContext: input.uploadedContext ?? null,
      trigger: { kind: 'Manual' },
      agentPoolName: await this.poolOf(registry, input.agentPoolName),
    };
    const run = await this.runs.create(request, input.step.type === 'Docker' ? 'QuickBuild' : 'QuickRun', timeout);
    this.queue.notify();
    return run;
  }
}
