import { DockyardError } from '../../shared/index.js';
import { validateSchedule } from '../triggers/cron.js';
import {
  TIMEOUT_DEFAULT,
  TIMEOUT_MAX,
  TIMEOUT_MIN,
  type CustomRegistryCredential,
  type SetValue,
  type TaskProperties,
  type TaskStep,
  type TaskTrigger,
} from './model.js';

/** A task's ARM request body (or a part of it). */
export type Body = Record<string, unknown>;

// Parsers and mergers of a task's ARM body: every field checked and bounded, secrets split out into `secure`.

export function obj(v: unknown, what: string): Body | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v))
    throw new DockyardError('InvalidRequestContent', `'${what}' must be an object.`);
  return v as Body;
}

export function enumOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  const f = allowed.find((a) => a.toLowerCase() === String(v).toLowerCase());
  if (!f)
    throw new DockyardError(
      'InvalidParameter',
      `The value '${String(v)}' of '${what}' is invalid. Allowed values: ${allowed.join(', ')}.`,
    );
  return f;
}

export function parseTimeout(v: unknown): number {
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

export function parseStep(s: Body | undefined, secure: Record<string, string>): TaskStep | null {
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

export function parseTrigger(t: Body | undefined): TaskTrigger | null {
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

export function mergeTrigger(current: TaskTrigger | null, t: Body | undefined): TaskTrigger | null {
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
export function mergeCredentials(
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
