/** Task resource properties as ACR's REST API and `az acr task show` shape them (acr-reference.md §9.1). */
export interface SetValue {
  name: string;
  value: string | null;
  isSecret: boolean;
}

export interface FileTaskStep {
  type: 'FileTask';
  contextPath: string | null;
  contextAccessToken: null;
  taskFilePath: string;
  valuesFilePath: string | null;
  values: SetValue[];
  baseImageDependencies: BaseImageDependency[] | null;
}

export interface EncodedTaskStep {
  type: 'EncodedTask';
  contextPath: string | null;
  contextAccessToken: null;
  encodedTaskContent: string;
  encodedValuesContent: string | null;
  values: SetValue[];
  baseImageDependencies: BaseImageDependency[] | null;
}

export interface DockerStep {
  type: 'Docker';
  contextPath: string | null;
  contextAccessToken: null;
  dockerFilePath: string;
  imageNames: string[];
  isPushEnabled: boolean;
  noCache: boolean;
  target: string | null;
  arguments: SetValue[];
  baseImageDependencies: BaseImageDependency[] | null;
}

export type TaskStep = FileTaskStep | EncodedTaskStep | DockerStep;

export interface BaseImageDependency {
  type: 'BuildTime' | 'RunTime';
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

export interface CustomRegistryCredential {
  userName: { type: 'Opaque' | 'Vaultsecret'; value: string | null } | null;
  password: { type: 'Opaque' | 'Vaultsecret'; value: string | null } | null;
  identity: string | null;
}

export interface TaskCredentials {
  sourceRegistry: { loginMode: 'Default' | 'None' };
  customRegistries: Record<string, CustomRegistryCredential>;
}

export interface TimerTrigger {
  name: string;
  schedule: string;
  status: 'Enabled' | 'Disabled';
}

export interface SourceTrigger {
  name: string;
  sourceRepository: {
    repositoryUrl: string;
    branch: string;
    sourceControlType: string;
    sourceControlAuthProperties: null;
  };
  sourceTriggerEvents: Array<'commit' | 'pullrequest'>;
  status: 'Enabled' | 'Disabled';
}

export interface TaskTrigger {
  baseImageTrigger: {
    baseImageTriggerType: 'All' | 'Runtime';
    name: string;
    status: 'Enabled' | 'Disabled';
    updateTriggerEndpoint: string | null;
    updateTriggerPayloadType: 'Default' | 'Token';
  } | null;
  sourceTriggers: SourceTrigger[] | null;
  timerTriggers: TimerTrigger[] | null;
}

export interface TaskProperties {
  status: 'Enabled' | 'Disabled';
  platform: { os: string; architecture: string; variant: string | null };
  agentConfiguration: { cpu: number };
  agentPoolName: string | null;
  timeout: number;
  step: TaskStep;
  trigger: TaskTrigger | null;
  credentials: TaskCredentials | null;
  logTemplate: string | null;
  isSystemTask: boolean;
  /**
   * Dockyard extension, default false: steps of this task may run privileged containers (`privileged: true`,
   * `--privileged`, host namespaces, devices, added capabilities) — root on the host. Only a principal with registry
   * write permission (Owner/Contributor) may turn it on; a step change by anyone else turns it off.
   */
  allowPrivilegedSteps?: boolean;
}

export interface TaskIdentity {
  type: 'SystemAssigned' | 'UserAssigned' | 'SystemAssigned, UserAssigned' | 'None';
  principalId: string | null;
  tenantId: string | null;
  userAssignedIdentities: Record<string, { clientId: string; principalId: string }> | null;
}

export interface Task {
  id: string;
  name: string;
  registryName: string;
  resourceGroup: string;
  location: string;
  properties: TaskProperties;
  identity: TaskIdentity | null;
  /** Secret values by key: `value:<name>`, `cred:<loginServer>:userName|password`. Never in `properties`. */
  secure: Record<string, string>;
  tags: Record<string, string>;
  creationDate: string;
}

export const TIMEOUT_MIN = 300;
export const TIMEOUT_MAX = 28800;
export const TIMEOUT_DEFAULT = 3600;
