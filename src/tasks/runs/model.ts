import type { SetValue, TaskIdentity, TaskProperties } from '../resources/model.js';

export type RunStatus = 'Queued' | 'Started' | 'Running' | 'Succeeded' | 'Failed' | 'Canceled' | 'Error' | 'Timeout';
export const TERMINAL: RunStatus[] = ['Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout'];
export type RunType = 'QuickBuild' | 'QuickRun' | 'AutoBuild' | 'AutoRun';

export interface RunTrigger {
  kind: 'Manual' | 'Commit' | 'PullRequest' | 'Timer' | 'Image Update';
  /** For source triggers: the ref whose commit fired the run (`refs/heads/main`, `refs/pull/7/head`). */
  gitRef?: string;
  sourceTrigger?: {
    id: string;
    eventType: string;
    commitId: string;
    pullRequestId: string | null;
    repositoryUrl: string;
    branchName: string;
    providerType: string;
  };
  timerTrigger?: { timerTriggerName: string; scheduleOccurrence: string };
  imageUpdateTrigger?: {
    id: string;
    timestamp: string;
    images: Array<{ registry: string; repository: string; tag: string; digest: string }>;
  };
}

/** Everything needed to execute a run, captured when it is queued (durable, so a queued run survives restarts). */
export interface RunRequest {
  registryName: string;
  registryId: string;
  resourceGroup: string;
  taskId: string | null;
  taskName: string | null;
  /** The definition to run: a task snapshot's step, or a quick run's. */
  step: TaskProperties['step'];
  platform: TaskProperties['platform'];
  credentials: TaskProperties['credentials'];
  identity: TaskIdentity | null;
  /** Run-time overrides (`--set`), and secret ones kept apart. */
  values: SetValue[];
  secureValues: Record<string, string>;
  /** Uploaded source (quick runs with a local context): a path under the data dir. */
  uploadedContext: string | null;
  trigger: RunTrigger;
  /** When set, the run is `acr build`: push the images after building (Docker step). */
  noPush?: boolean;
  /** The task's owner allowed privileged steps (task property allowPrivilegedSteps); never for quick runs. */
  allowPrivilegedSteps?: boolean;
  /** The agent pool that runs it (task `agentPoolName`, or the run request's); absent/null: the server's engine. */
  agentPoolName?: string | null;
}

export interface OutputImage {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

export interface RunResult {
  outputImages?: OutputImage[];
  runErrorMessage?: string | null;
  /** Base images the run depended on (for base-image triggers). */
  dependencies?: Array<{
    image: OutputImage | null;
    runtime: OutputImage | null;
    buildtime: OutputImage[];
    gitHeadRevision?: string;
  }>;
}

export interface RunRecord {
  registryName: string;
  runId: string;
  seq: number;
  taskName: string | null;
  status: RunStatus;
  runType: RunType;
  createTime: string;
  startTime: string | null;
  finishTime: string | null;
  lastUpdatedTime: string;
  request: RunRequest;
  result: RunResult;
  logToken: string;
  timeout: number;
  /** Agent pool (lower-case) whose agents lease this run; null for the server's own workers. */
  agentPool?: string | null;
  /** The agent holding the run's lease (`agent:<pool>:<id>`), when leased. */
  claimedBy?: string | null;
}
