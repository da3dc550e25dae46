/**
 * The parts of a planned task file the runner executes: narrow views of the planner's `Plan`/`PlannedStep`, so the
 * runner (and synthesised plans such as `acr build`'s build+push) need not carry parser details like source positions.
 */
import type { BuildArgs, CmdArgs, Volume } from '../spec/index.js';
import type { PlannedStep } from '../planner/index.js';

export type RunnableBuild = Omit<BuildArgs, 'raw'>;

export type RunnableStep = Pick<
  PlannedStep,
  | 'id'
  | 'type'
  | 'push'
  | 'dependsOn'
  | 'env'
  | 'timeout'
  | 'workingDirectory'
  | 'disableWorkingDirectoryOverride'
  | 'entryPoint'
  | 'user'
  | 'network'
  | 'privileged'
  | 'detach'
  | 'keep'
  | 'ports'
  | 'expose'
  | 'startDelay'
  | 'retries'
  | 'retryDelay'
  | 'retryOnErrors'
  | 'repeat'
  | 'pull'
  | 'ignoreErrors'
  | 'volumeMounts'
> & { build?: RunnableBuild; cmd?: Omit<CmdArgs, 'raw'> };

export interface RunnablePlan {
  env: string[];
  volumes: Volume[];
  steps: RunnableStep[];
}

/** Runtime and buildtime base images of a Dockerfile (from the dependency scanner). */
export interface ScannedDependencies {
  runtime: string | null;
  buildtime: string[];
}
