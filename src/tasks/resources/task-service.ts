import { DockyardError } from '../../shared/index.js';
import type { TaskStore } from './task-store.js';
import { checkSourceLocation, checkStepSources, type SourcePolicy } from '../runner/source-policy.js';
import { validateSchedule } from '../triggers/cron.js';
import {
  TIMEOUT_DEFAULT,
  TIMEOUT_MAX,
  TIMEOUT_MIN,
  type CustomRegistryCredential,
  type SetValue,
  type Task,
  type TaskIdentity,
  type TaskProperties,
  type TaskStep,
  type TaskTrigger,
} from './model.js';

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

type Body = Record<string, unknown>;

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

function obj(v: unknown, what: string): Body | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw new DockyardError('InvalidRequestContent', `'${what}' must be an object.`);
  return v as Body;
}

function enumOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  const f = allowed.find((a) => a.toLowerCase() === String(v).toLowerCase());
  if (!f)
    throw new DockyardError(
      'InvalidParameter',
      `The value '${String(v)}' of '${what}' is invalid. Allowed values: ${allowed.join(', ')}.`,
    );
  return f;
}

function parseTimeout(v: unknown): number {
  if (v === undefined || v === null) return TIMEOUT_DEFAULT;
  const n = Number(v);
  if (!Number.isInteger(n) || n < TIMEOUT_MIN || n > TIMEOUT_MAX) {
    throw new DockyardError(
      'InvalidParameter',
      `The timeout '${String(v)}' is invalid. It must be an integer between ${TIMEOUT_MIN} and ${TIMEOUT_MAX} seconds.`,
    );
  }
  return n;
}

export function parsePlatform(p: Body | undefined): TaskProperties['platform'] {
  const os = String(p?.os ?? 'linux').toLowerCase();
  const architecture = String(p?.architecture ?? 'amd64').toLowerCase();
  if (!['linux', 'windows'].includes(os))
    throw new DockyardError('InvalidParameter', `The platform OS '${os}' is invalid. Allowed values: Linux, Windows.`);
  if (!['amd64', 'arm', 'arm64', '386', 'x86'].includes(architecture))
    throw new DockyardError('InvalidParameter', `The platform architecture '${architecture}' is invalid.`);
  return { os, architecture, variant: (p?.variant as string | null) ?? null };
}

function parseValues(v: unknown, secure: Record<string, string>, prefix: string): SetValue[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    throw new DockyardError('InvalidRequestContent', "'values' must be a list of {name, value, isSecret}.");
  return v.map((raw) => {
    const e = raw as Body;
    const name = String(e.name ?? '');
    if (!name) throw new DockyardError('InvalidParameter', 'A value needs a name.');
    const isSecret = Boolean(e.isSecret);
    if (isSecret) {
      if (e.value !== null && e.value !== undefined) secure[`${prefix}:${name}`] = String(e.value);
      return { name, value: null, isSecret };
    }
    return { name, value: e.value === null || e.value === undefined ? null : String(e.value), isSecret };
  });
}

function parseStep(s: Body | undefined, secure: Record<string, string>): TaskStep | null {
  if (!s) return null;
  const type = enumOf(s.type, ['FileTask', 'EncodedTask', 'Docker'] as const, 'step.type');
  const contextPath = (s.contextPath as string | null | undefined) ?? null;
  const base = {
    contextPath,
    contextAccessToken: null,
    baseImageDependencies: (s.baseImageDependencies as TaskStep['baseImageDependencies']) ?? null,
  };
  if (type === 'FileTask') {
    if (!s.taskFilePath) throw new DockyardError('InvalidParameter', "A FileTask step needs 'taskFilePath'.");
    return {
      type,
      ...base,
      taskFilePath: String(s.taskFilePath),
      valuesFilePath: (s.valuesFilePath as string | null) ?? null,
      values: parseValues(s.values, secure, 'value'),
    };
  }
  if (type === 'EncodedTask') {
    if (!s.encodedTaskContent)
      throw new DockyardError('InvalidParameter', "An EncodedTask step needs 'encodedTaskContent'.");
    return {
      type,
      ...base,
      encodedTaskContent: String(s.encodedTaskContent),
      encodedValuesContent: (s.encodedValuesContent as string | null) ?? null,
      values: parseValues(s.values, secure, 'value'),
    };
  }
  return {
    type,
    ...base,
    dockerFilePath: String(s.dockerFilePath ?? 'Dockerfile'),
    imageNames: Array.isArray(s.imageNames) ? s.imageNames.map(String) : [],
    isPushEnabled: s.isPushEnabled === undefined ? true : Boolean(s.isPushEnabled),
    noCache: Boolean(s.noCache),
    target: (s.target as string | null) ?? null,
    arguments: parseValues(s.arguments, secure, 'arg'),
  };
}

function parseTrigger(t: Body | undefined): TaskTrigger | null {
  if (!t)
    return {
      baseImageTrigger: {
        baseImageTriggerType: 'Runtime',
        name: 'defaultBaseimageTriggerName',
        status: 'Enabled',
        updateTriggerEndpoint: null,
        updateTriggerPayloadType: 'Default',
      },
      sourceTriggers: null,
      timerTriggers: null,
    };
  return mergeTrigger(null, t);
}

function mergeTrigger(current: TaskTrigger | null, t: Body | undefined): TaskTrigger | null {
  if (!t) return current;
  const next: TaskTrigger = current
    ? structuredClone(current)
    : { baseImageTrigger: null, sourceTriggers: null, timerTriggers: null };
  if (t.baseImageTrigger !== undefined) {
    const b = t.baseImageTrigger as Body | null;
    next.baseImageTrigger = b
      ? {
          baseImageTriggerType: enumOf(
            b.baseImageTriggerType ?? 'Runtime',
            ['All', 'Runtime'] as const,
            'baseImageTriggerType',
          ),
          name: String(b.name ?? 'defaultBaseimageTriggerName'),
          status: enumOf(b.status ?? 'Enabled', ['Enabled', 'Disabled'] as const, 'baseImageTrigger.status'),
          updateTriggerEndpoint: (b.updateTriggerEndpoint as string | null) ?? null,
          updateTriggerPayloadType: enumOf(
            b.updateTriggerPayloadType ?? 'Default',
            ['Default', 'Token'] as const,
            'updateTriggerPayloadType',
          ),
        }
      : null;
  }
  if (t.sourceTriggers !== undefined) next.sourceTriggers = (t.sourceTriggers as TaskTrigger['sourceTriggers']) ?? null;
  if (t.timerTriggers !== undefined) {
    const list = (t.timerTriggers as Body[] | null) ?? null;
    next.timerTriggers = list
      ? list.map((x) => ({
          name: String(x.name),
          schedule: validSchedule(String(x.schedule)),
          status: enumOf(x.status ?? 'Enabled', ['Enabled', 'Disabled'] as const, 'timer status'),
        }))
      : null;
  }
  return next;
}

const validSchedule = (s: string): string => {
  validateSchedule(s);
  return s.trim();
};

/** Custom registry credentials: a `null` entry removes it; secret values go to `secure`, never into properties. */
function mergeCredentials(
  current: TaskProperties['credentials'],
  c: Body | undefined,
  secure: Record<string, string>,
): TaskProperties['credentials'] {
  const next = current
    ? structuredClone(current)
    : { sourceRegistry: { loginMode: 'Default' as const }, customRegistries: {} };
  if (!c) return next;
  const src = obj(c.sourceRegistry, 'sourceRegistry');
  if (src?.loginMode !== undefined)
    next.sourceRegistry.loginMode = enumOf(src.loginMode, ['Default', 'None'] as const, 'loginMode');
  for (const [server, raw] of Object.entries(obj(c.customRegistries, 'customRegistries') ?? {})) {
    if (raw === null) {
      delete next.customRegistries[server];
      delete secure[`cred:${server}:userName`];
      delete secure[`cred:${server}:password`];
      continue;
    }
    const e = raw as Body;
    const entry: CustomRegistryCredential = {
      userName: null,
      password: null,
      identity: (e.identity as string | null) ?? null,
    };
    for (const field of ['userName', 'password'] as const) {
      const f = e[field] as { type?: string; value?: string } | null | undefined;
      if (!f || f.value === undefined || f.value === null) continue;
      const type = enumOf(f.type ?? 'Opaque', ['Opaque', 'Vaultsecret'] as const, `${field}.type`);
      if (type === 'Opaque' && field === 'password') {
        secure[`cred:${server}:password`] = String(f.value);
        entry.password = { type, value: null };
      } else entry[field] = { type, value: String(f.value) };
    }
    if (!entry.identity && !entry.userName)
      throw new DockyardError(
        'InvalidParameter',
        `Credentials for '${server}' need a username and password or an identity.`,
      );
    next.customRegistries[server] = entry;
  }
  return next;
}
