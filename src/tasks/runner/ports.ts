import type { ContainerEngine } from '../engine/index.js';
import type { SourcePolicy } from './source-policy.js';

/** A registry as the runner sees it: reached over HTTP at its login server, like any client. */
export interface RunnerRegistry {
  id: string;
  name: string;
  loginServer: string;
}

/** What the runner needs from the rest of the platform, injected by the composition root. */
export interface RunnerDeps {
  /** The container engine (started lazily on first use). */
  engine(): Promise<ContainerEngine>;
  registryByName(name: string): Promise<RunnerRegistry | null>;
  /** Dockyard's API endpoint as step containers reach it (host networking: 127.0.0.1). */
  apiEndpoint(): string;
  /** An AAD access token for a principal (a task's managed identity), minted for a trusted service. */
  identityToken(principalObjectId: string, resource: string, trustedService: 'tasks'): Promise<string>;
  /** A secret's value read from Key Vault with the given identity's rights (Forbidden when it has none). */
  readSecret(principalObjectId: string, secretUrl: string): Promise<string>;
  /** Credentials with which a run logs in to its own registry (ACR's source-registry access, loginMode Default). */
  sourceRegistryCredential(registry: RunnerRegistry): Promise<{ username: string; password: string }>;
  /** Binds a step container to the identities it may use through the workload token endpoint. */
  createWorkloadBinding(input: {
    identities: string[];
    defaultIdentity?: string;
    trustedService: 'tasks';
    expiresAt: Date;
    isActive?: () => boolean;
  }): Promise<{ secret: string; endpoint: string }>;
  revokeWorkloadBinding(secret: string): Promise<void>;
  /** Where runs keep their working copies. */
  workDir: string;
  /**
   * A quick run's uploaded source archive by the name its request keeps (a blob-store file). Absent where the
   * archive is always a local file (agents download it first).
   */
  openUpload?(location: string): Promise<import('node:stream').Readable>;
  /** Which sources runs may fetch (default: no file:// restrictions beyond "a git repository, not a host directory"). */
  sourcePolicy?: SourcePolicy;
  /** Parent of the per-run Docker API socket directories (default /run/dockyard/runs, else under the temp dir). */
  dockerApiDir?: string;
  loadTaskFile: TaskFileLoader;
  /** Manifest digest of an offline-library image (`hello-world`, `busybox:latest`...), if it is one. */
  knownDigest?(ref: string): string | undefined;
  scanDockerfile: DockerfileScanner;
}

export const AAD_REGISTRY_RESOURCE = 'https://containerregistry.azure.net';
export const NULL_GUID_USER = '00000000-0000-0000-0000-000000000000';

export interface TaskFileLoadInput {
  text: string;
  fileName: string;
  /** Run variables (.Run.ID, .Run.Registry, ...). */
  run: RunVars;
  /** Values file content (YAML), if any. */
  valuesFile?: string;
  /** --set values then --set-secret values (override the values file). */
  set: Array<{ name: string; value: string }>;
  setSecret: Array<{ name: string; value: string }>;
  /** Resolves a `secrets:` entry's value (Key Vault with the task's identity). */
  resolveSecret(secret: { id: string; keyvault?: string; clientID?: string }): Promise<string>;
}

/** Renders, parses and plans a task file (the task-file module), or throws a TaskFileInvalid/TemplateError. */
export type TaskFileLoader = (
  input: TaskFileLoadInput,
) => Promise<{ plan: import('./plan-types.js').RunnablePlan; secretValues: string[] }>;

export type DockerfileScanner = (
  text: string,
  buildArgs: Record<string, string>,
  target?: string,
) => import('./plan-types.js').ScannedDependencies;

/** The run variables a task file renders with (`.Run.*`). */
export interface RunVars {
  id: string;
  sharedVolume: string;
  registry: string;
  registryName: string;
  date: Date;
  os: string;
  architecture: string;
  commit: string;
  branch: string;
  repository: string;
  triggeredBy: string;
  taskName: string;
}
