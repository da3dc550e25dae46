import { DockyardError } from '../../shared/index.js';
import type { TaskStore } from './task-store.js';
import { checkSourceLocation, checkStepSources, type SourcePolicy } from '../runner/source-policy.js';
import { type Task, type TaskIdentity, type TaskProperties } from './model.js';
import {
  mergeCredentials,
  mergeTrigger,
  obj,
  enumOf,
  parsePlatform,
  parseStep,
  parseTimeout,
  parseTrigger,
  type Body,
} from './task-body.js';

/** What the task service needs from the identity module (system-assigned lifetimes, user-assigned lookups). */
export interface TaskIdentityPort {
  createSystemAssigned(
    resourceId: string,
    displayName: string,
  ): Promise<{ principalId: string; clientId: string; tenantId: string }>;
  deleteSystemAssigned(principalId: string): Promise<void>;
  findUserAssigned(resourceId: string): Promise<{ principalId: string; clientId: string; tenantId: string } | null>;
}

export interface RegistryRef {
  id: string;
  name: string;
  location: string;
  resourceGroup: string;
}

/** A task's `agentPoolName`: null/empty for none, else a pool name (3–20 letters, digits, hyphens). */
function agentPoolOf(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || !/^[a-zA-Z0-9-]{3,20}$/.test(v))
    throw new DockyardError('InvalidParameter', `The agent pool name '${String(v).slice(0, 40)}' is invalid.`);
  return v;
}

/** Who is writing the task: registry owners (registry write permission) alone may allow privileged steps. */
export interface TaskCaller {
  registryOwner: boolean;
}

/** `allowPrivilegedSteps` of a request body (undefined when absent); turning it on needs a registry owner. */
function privilegedSwitch(v: unknown, caller: TaskCaller): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw new DockyardError('InvalidParameter', "The task property 'allowPrivilegedSteps' must be true or false.");
  if (v && !caller.registryOwner) {
    throw new DockyardError(
      'AuthorizationFailed',
      "Only a principal allowed 'Microsoft.ContainerRegistry/registries/write' on the registry (Owner, Contributor) may set allowPrivilegedSteps: privileged steps get root on the Dockyard host.",
    );
  }
  return v;
}

const NAME_RE = /^[a-zA-Z0-9_-]{5,50}$/;

export class TaskService {
  /** Called after a task is created, replaced or updated (the trigger service records source baselines here). */
  readonly saved: Array<(task: Task) => Promise<void>> = [];

  constructor(
    private readonly store: TaskStore,
    private readonly identities: TaskIdentityPort,
    private readonly sourcePolicy: SourcePolicy = { allowedLocalContextRoots: [] },
  ) {}

  /** A task's context, file paths and watched repositories must be sources a run may use (refused when stored). */
  private async checkSources(p: TaskProperties): Promise<void> {
    await checkStepSources(this.sourcePolicy, p.step as Parameters<typeof checkStepSources>[1]);
    for (const t of p.trigger?.sourceTriggers ?? [])
      await checkSourceLocation(this.sourcePolicy, t.sourceRepository?.repositoryUrl);
  }

  async createOrReplace(
    registry: RegistryRef,
    name: string,
    body: Body,
    caller: TaskCaller = { registryOwner: false },
  ): Promise<{ task: Task; created: boolean }> {
    if (!NAME_RE.test(name))
      throw new DockyardError(
        'InvalidResourceName',
        `Task name '${name}' is invalid. It must be 5-50 characters of letters, numbers, hyphens and underscores.`,
      );
    const id = `${registry.id}/tasks/${name}`;
    const existing = await this.store.get(id);
    const props = obj(body.properties, 'properties') ?? {};
    const secure: Record<string, string> = {};
    const step = parseStep(obj(props.step, 'properties.step'), secure);
    if (!step) throw new DockyardError('InvalidParameter', "The task 'step' property is required.");
    const properties: TaskProperties = {
      status: enumOf(props.status ?? 'Enabled', ['Enabled', 'Disabled'], 'status'),
      platform: parsePlatform(obj(props.platform, 'platform')),
      agentConfiguration: { cpu: Number((obj(props.agentConfiguration, 'agentConfiguration') ?? {}).cpu ?? 2) },
      agentPoolName: agentPoolOf(props.agentPoolName),
      timeout: parseTimeout(props.timeout),
      step,
      trigger: parseTrigger(obj(props.trigger, 'trigger')),
      credentials: null,
      logTemplate: (props.logTemplate as string | null) ?? null,
      isSystemTask: Boolean(props.isSystemTask),
      allowPrivilegedSteps: privilegedSwitch(props.allowPrivilegedSteps, caller) ?? false,
    };
    properties.credentials = mergeCredentials(null, obj(props.credentials, 'credentials'), secure);
    await this.checkSources(properties);
    const task: Task = {
      id,
      name,
      registryName: registry.name,
      resourceGroup: registry.resourceGroup,
      location: String(body.location ?? registry.location),
      properties,
      identity: existing?.identity ?? null,
      secure,
      tags: (obj(body.tags, 'tags') as Record<string, string>) ?? {},
      creationDate: existing?.creationDate ?? new Date().toISOString(),
    };
    task.identity = await this.applyIdentity(task, existing?.identity ?? null, obj(body.identity, 'identity'), true);
    await this.store.put(task, registry.id);
    await this.notifySaved(task);
    return { task, created: !existing };
  }

  /** PATCH (TaskUpdateParameters): only the given properties change. */
  async update(
    task: Task,
    registryId: string,
    body: Body,
    caller: TaskCaller = { registryOwner: false },
  ): Promise<Task> {
    const props = obj(body.properties, 'properties') ?? {};
    const next: Task = structuredClone(task);
    const p = next.properties;
    const allow = privilegedSwitch(props.allowPrivilegedSteps, caller);
    if (allow !== undefined) p.allowPrivilegedSteps = allow;
    // What the owner allowed was this task's steps: a step change by someone else turns the switch off.
    else if (props.step !== undefined && !caller.registryOwner) p.allowPrivilegedSteps = false;
    if (props.status !== undefined) p.status = enumOf(props.status, ['Enabled', 'Disabled'], 'status');
    if (props.platform !== undefined) p.platform = parsePlatform(obj(props.platform, 'platform'));
    if (props.timeout !== undefined) p.timeout = parseTimeout(props.timeout);
    // `--agent-pool ''` clears it (the server's own engine runs the task again).
    if (props.agentPoolName !== undefined) p.agentPoolName = agentPoolOf(props.agentPoolName);
    if (props.agentConfiguration !== undefined)
      p.agentConfiguration = { cpu: Number((obj(props.agentConfiguration, 'agentConfiguration') ?? {}).cpu ?? 2) };
    if (props.step !== undefined) {
      const stepBody = obj(props.step, 'step') ?? {};
      const merged = { ...(p.step as unknown as Body), ...stepBody };
      for (const k of Object.keys(next.secure))
        if (k.startsWith('value:') && stepBody.values !== undefined) delete next.secure[k];
      p.step = parseStep(merged, next.secure) ?? p.step;
    }
    if (props.trigger !== undefined) p.trigger = mergeTrigger(p.trigger, obj(props.trigger, 'trigger'));
    if (props.credentials !== undefined)
      p.credentials = mergeCredentials(p.credentials, obj(props.credentials, 'credentials'), next.secure);
    if (body.tags !== undefined) next.tags = (obj(body.tags, 'tags') as Record<string, string>) ?? {};
    if (props.step !== undefined || props.trigger !== undefined) await this.checkSources(p);
    if (body.identity !== undefined)
      next.identity = await this.applyIdentity(next, task.identity, obj(body.identity, 'identity'), false);
    await this.store.put(next, registryId);
    await this.notifySaved(next);
    return next;
  }

  private async notifySaved(task: Task): Promise<void> {
    for (const hook of this.saved) await hook(task);
  }

  async delete(task: Task): Promise<void> {
    if (task.identity?.principalId) await this.identities.deleteSystemAssigned(task.identity.principalId);
    await this.store.delete(task.id);
  }

  /** Sets the identity block; a system-assigned identity is created with the task and deleted when it goes. */
  private async applyIdentity(
    task: Task,
    current: TaskIdentity | null,
    body: Body | undefined,
    replace: boolean,
  ): Promise<TaskIdentity | null> {
    if (!body) return replace ? (current ?? null) : current;
    const type = String(body.type ?? 'None');
    const wantsSystem = /systemassigned/i.test(type);
    const wantsUser = /userassigned/i.test(type);
    let principalId = current?.principalId ?? null;
    let tenantId = current?.tenantId ?? null;
    if (wantsSystem && !principalId) {
      const created = await this.identities.createSystemAssigned(task.id, task.name);
      principalId = created.principalId;
      tenantId = created.tenantId;
    }
    if (!wantsSystem && principalId) {
      await this.identities.deleteSystemAssigned(principalId);
      principalId = null;
      tenantId = null;
    }
    let user: TaskIdentity['userAssignedIdentities'] = null;
    if (wantsUser) {
      user = {};
      const requested = obj(body.userAssignedIdentities, 'userAssignedIdentities') ?? {};
      for (const [rid, v] of Object.entries(requested)) {
        if (v === null) continue;
        const found = await this.identities.findUserAssigned(rid);
        if (!found) throw new DockyardError('InvalidParameter', `The user-assigned identity '${rid}' was not found.`);
        user[rid] = { clientId: found.clientId, principalId: found.principalId };
      }
      if (Object.keys(user).length === 0) user = null;
    }
    const t: TaskIdentity['type'] =
      wantsSystem && user
        ? 'SystemAssigned, UserAssigned'
        : wantsSystem
          ? 'SystemAssigned'
          : user
            ? 'UserAssigned'
            : 'None';
    if (t === 'None') return null;
    return {
      type: t,
      principalId: wantsSystem ? principalId : null,
      tenantId: wantsSystem ? tenantId : null,
      userAssignedIdentities: user,
    };
  }
}
