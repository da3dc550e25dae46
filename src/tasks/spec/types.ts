/** The task file model (ACR's graph.Task / graph.Step), after rendering and parsing. */
export interface SourcePos {
  line: number;
  column: number;
}

export interface TaskFileIssue {
  code: 'TaskFileInvalid' | 'TemplateError';
  message: string;
  line: number;
  column: number;
  hint?: string;
}

export interface Secret {
  id: string;
  keyvault?: string;
  clientID?: string;
  pos: SourcePos;
}
export interface Network {
  name: string;
  driver?: string;
  ipv6: boolean;
  skipCreation: boolean;
  isDefault: boolean;
}
export interface Volume {
  name: string;
  secret: Record<string, string>;
}
export interface VolumeMount {
  name: string;
  mountPath: string;
}

export interface BuildArgs {
  /** The raw `build:` string. */
  raw: string;
  tags: string[];
  dockerfile: string;
  buildArgs: string[];
  target?: string;
  context: string;
  /** Context kind: local path, git URL (`repo.git#ref:dir`, Azure DevOps `/_git/`), tarball URL, OCI artifact. */
  contextKind: 'local' | 'git' | 'tarball' | 'oci';
  git?: { url: string; ref?: string; dir?: string };
  /** Every other flag, passed through to `docker build`. */
  otherFlags: string[];
}

export interface CmdArgs {
  raw: string;
  /** `docker run` flags written before the image. */
  runFlags: string[];
  image: string;
  args: string[];
}

export type StepType = 'build' | 'push' | 'cmd';

export interface Step {
  index: number;
  id: string;
  idGenerated: boolean;
  type: StepType;
  build?: BuildArgs;
  push?: string[];
  cmd?: CmdArgs;
  when: string[];
  env: string[];
  timeout: number;
  workingDirectory?: string;
  disableWorkingDirectoryOverride: boolean;
  entryPoint?: string;
  user?: string;
  network?: string;
  isolation?: string;
  cpus?: string;
  privileged: boolean;
  detach: boolean;
  keep: boolean;
  ports: string[];
  expose: string[];
  startDelay: number;
  retries: number;
  retryDelay: number;
  retryOnErrors: string[];
  repeat: number;
  pull: boolean;
  cmdDownloadRetries: number;
  cmdDownloadRetryDelay: number;
  ignoreErrors: boolean;
  cache?: 'enabled' | 'disabled';
  volumeMounts: VolumeMount[];
  exitedWith: number[];
  exitedWithout: number[];
  pos: SourcePos;
}

export interface Task {
  version: string;
  stepTimeout: number;
  workingDirectory?: string;
  env: string[];
  secrets: Secret[];
  networks: Network[];
  volumes: Volume[];
  steps: Step[];
  /** True when alias pre-processing applied (version >= v1.1.0). */
  aliasesEnabled: boolean;
}
