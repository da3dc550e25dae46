import type { Task } from './model.js';

/** The task as `az acr task show` prints it. Secrets are masked unless `withSecure`. */
export function taskShape(task: Task, withSecure = false): Record<string, unknown> {
  const p = task.properties;
  const step = structuredClone(p.step) as unknown as Record<string, unknown>;
  const valuesKey = p.step.type === 'Docker' ? 'arguments' : 'values';
  const prefix = p.step.type === 'Docker' ? 'arg' : 'value';
  if (withSecure) {
    step[valuesKey] = (step[valuesKey] as Array<{ name: string; value: string | null; isSecret: boolean }>).map((v) =>
      v.isSecret ? { ...v, value: task.secure[`${prefix}:${v.name}`] ?? null } : v,
    );
  }
  let credentials: Record<string, unknown> | null = null;
  if (p.credentials) {
    const custom: Record<string, unknown> = {};
    for (const [server, c] of Object.entries(p.credentials.customRegistries)) {
      custom[server] = withSecure
        ? {
            identity: c.identity,
            password: c.password
              ? { type: c.password.type, value: c.password.value ?? task.secure[`cred:${server}:password`] ?? null }
              : null,
            userName: c.userName,
          }
        : { identity: c.identity, password: null, userName: null };
    }
    credentials = { customRegistries: custom, sourceRegistry: p.credentials.sourceRegistry };
  }
  return {
    agentConfiguration: p.agentConfiguration,
    agentPoolName: p.agentPoolName,
    allowPrivilegedSteps: p.allowPrivilegedSteps === true,
    creationDate: task.creationDate,
    credentials,
    id: task.id,
    identity: task.identity,
    isSystemTask: p.isSystemTask,
    location: task.location,
    logTemplate: p.logTemplate,
    name: task.name,
    platform: p.platform,
    provisioningState: 'Succeeded',
    resourceGroup: task.resourceGroup,
    status: p.status,
    step,
    systemData: null,
    tags: Object.keys(task.tags).length ? task.tags : null,
    timeout: p.timeout,
    trigger: p.trigger,
    type: 'Microsoft.ContainerRegistry/registries/tasks',
  };
}
