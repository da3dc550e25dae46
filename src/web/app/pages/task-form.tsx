import { arm, sub, V } from '../api.js';
import { decodeBase64 } from '../format.js';
import { Check, Choice, Panel, Text, useAction, useFields } from '../form.js';
import { useLoad } from '../ui.js';
import { useTaskFileCheck, YamlEditor } from '../yaml-editor.js';
import type { RegistryCtx } from './registry.js';

const SAMPLE = `version: v1.1.0
steps:
  - cmd: mcr.microsoft.com/hello-world
`;

interface TaskFields {
  name: string;
  yaml: string;
  context: string;
  status: string;
  identity: string;
  credServer: string;
  credIdentity: string;
  schedule: string;
  timerName: string;
  baseImageTrigger: boolean;
  timeout: string;
}

function encode(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The form's fields of an existing task (an inline YAML task; other step types keep their step). */
export function taskFields(t: any): TaskFields {
  const ids = Object.keys(t.identity?.userAssignedIdentities ?? {});
  const [server, cred] = Object.entries((t.credentials?.customRegistries ?? {}) as Record<string, any>)[0] ?? [];
  return {
    name: t.name,
    yaml: t.step?.type === 'EncodedTask' ? decodeBase64(t.step.encodedTaskContent) : '',
    context: t.step?.contextPath ?? '',
    status: t.status ?? 'Enabled',
    identity: /SystemAssigned/.test(t.identity?.type ?? '') ? '[system]' : (ids[0] ?? ''),
    credServer: server ?? '',
    credIdentity: cred?.identity ?? '',
    schedule: (t.trigger?.timerTriggers ?? [])[0]?.schedule ?? '',
    timerName: (t.trigger?.timerTriggers ?? [])[0]?.name ?? 't1',
    baseImageTrigger: t.trigger?.baseImageTrigger?.status === 'Enabled',
    timeout: String(t.timeout ?? 3600),
  };
}

/**
 * The ARM body: for a create, what `acr task create` sends (EncodedTask step); for an update, a PATCH of only what the
 * form edits, so step values, secrets, source triggers and the platform of the task are kept.
 */
export function taskBody(f: TaskFields, location: string, update = false): Record<string, unknown> {
  const identity =
    f.identity === '[system]'
      ? { type: 'SystemAssigned' }
      : f.identity
        ? { type: 'UserAssigned', userAssignedIdentities: { [f.identity]: {} } }
        : { type: 'None' };
  const properties = {
    status: f.status,
    timeout: Number(f.timeout) || 3600,
    step: {
      type: 'EncodedTask',
      encodedTaskContent: encode(f.yaml),
      contextPath: f.context.trim() || null,
      ...(update ? {} : { values: [] }),
    },
    trigger: {
      timerTriggers: f.schedule.trim()
        ? [{ name: f.timerName || 't1', schedule: f.schedule.trim(), status: 'Enabled' }]
        : update
          ? null
          : undefined,
      baseImageTrigger: f.baseImageTrigger
        ? { baseImageTriggerType: 'Runtime', name: 'defaultBaseimageTriggerName', status: 'Enabled' }
        : null,
    },
    credentials: {
      ...(update ? {} : { sourceRegistry: { loginMode: 'Default' } }),
      customRegistries: f.credServer.trim()
        ? { [f.credServer.trim()]: { identity: f.credIdentity.trim() || '[system]' } }
        : {},
    },
    ...(update ? {} : { platform: { os: 'linux', architecture: 'amd64' }, agentConfiguration: { cpu: 2 } }),
  };
  return update ? { identity, properties } : { location, identity, properties };
}

/**
 * Create or update a task: the YAML is validated as it is typed (errors at their line), the identity is none,
 * system-assigned or one of the subscription's user-assigned identities; one custom registry credential; a timer and
 * the base image trigger. Saving goes through the same ARM route and RBAC as `acr task create/update`.
 */
export function TaskForm({
  ctx,
  initial,
  onDone,
}: {
  ctx: RegistryCtx;
  initial?: TaskFields;
  onDone: (name: string) => void;
}) {
  const editing = !!initial;
  const [f, set] = useFields<TaskFields>(
    initial ?? {
      name: '',
      yaml: SAMPLE,
      context: '',
      status: 'Enabled',
      identity: '',
      credServer: '',
      credIdentity: '',
      schedule: '',
      timerName: 't1',
      baseImageTrigger: false,
      timeout: '3600',
    },
  );
  const check = useTaskFileCheck(f.yaml);
  const ids = useLoad(
    () => arm<{ value: any[] }>(`${sub()}/providers/Microsoft.ManagedIdentity/userAssignedIdentities`, V.identities),
    [],
  );
  const a = useAction();
  const save = () =>
    a.run(async () => {
      await arm(`${ctx.registry.id}/tasks/${encodeURIComponent(f.name)}`, V.tasks, {
        method: editing ? 'PATCH' : 'PUT',
        body: taskBody(f, ctx.registry.location, editing),
      });
      onDone(f.name);
    });
  return (
    <Panel
      title={editing ? 'Edit task' : '+ Create task'}
      testid={editing ? 'update-task' : 'create-task'}
      submit={editing ? 'Save task' : 'Create task'}
      busy={a.busy}
      error={a.error}
      onSubmit={save}
      disabled={check.state === 'invalid'}
    >
      {editing ? null : <Text label="Task name" name="name" value={f.name} set={(name) => set({ name })} required />}
      <Choice
        label="Status"
        name="status"
        value={f.status}
        set={(status) => set({ status })}
        options={['Enabled', 'Disabled']}
      />
      <Text label="Context (optional git URL)" name="context" value={f.context} set={(context) => set({ context })} />
      <Text label="Timeout (seconds)" name="timeout" value={f.timeout} set={(timeout) => set({ timeout })} />
      <YamlEditor value={f.yaml} set={(yaml) => set({ yaml })} check={check} />
      <Choice
        label="Identity"
        name="identity"
        value={f.identity}
        set={(identity) => set({ identity })}
        options={[
          ['', 'None'],
          ['[system]', 'System-assigned'],
          ...(ids.data?.value ?? []).map((i): [string, string] => [i.id, `${i.name} (user-assigned)`]),
        ]}
      />
      <Text
        label="Custom registry login server (credential)"
        name="credServer"
        value={f.credServer}
        set={(credServer) => set({ credServer })}
      />
      <Text
        label="…its identity ([system] or a client id)"
        name="credIdentity"
        value={f.credIdentity}
        set={(credIdentity) => set({ credIdentity })}
      />
      <Text
        label="Timer trigger (cron)"
        name="schedule"
        value={f.schedule}
        set={(schedule) => set({ schedule })}
        placeholder="0 2 * * *"
      />
      <Check
        label="Base image update trigger"
        name="baseImageTrigger"
        value={f.baseImageTrigger}
        set={(baseImageTrigger) => set({ baseImageTrigger })}
      />
    </Panel>
  );
}
