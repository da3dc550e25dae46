/**
 * The parts of a planned task file the runner executes (structurally the planner's `Plan`/`PlannedStep`).
 * Kept here so the runner depends on a narrow shape, not on the parser's internals.
 */
export interface RunnableBuild {
  tags: string[];
  dockerfile: string;
  buildArgs: string[];
  target?: string;
  context: string;
  contextKind: 'local' | 'git' | 'tarball' | 'oci';
  git?: { url: string; ref?: string; dir?: string };
  otherFlags: string[];
}

export interface RunnableStep {
  id: string;
  type: 'build' | 'push' | 'cmd';
  build?: RunnableBuild;
  push?: string[];
  cmd?: { runFlags: string[]; image: string; args: string[] };
  dependsOn: string[];
  env: string[];
  timeout: number;
  workingDirectory?: string;
  disableWorkingDirectoryOverride: boolean;
  entryPoint?: string;
  user?: string;
  network?: string;
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
  ignoreErrors: boolean;
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

export interface RunnablePlan {
  env: string[];
  volumes: Array<{ name: string; secret: Record<string, string> }>;
  steps: RunnableStep[];
}

/** Runtime and buildtime base images of a Dockerfile (from the dependency scanner). */
export interface ScannedDependencies {
  runtime: string | null;
  buildtime: string[];
}
