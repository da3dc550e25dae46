import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { isDockyardError } from '../../shared/index.js';
import type { RunContext, RunExecutor, RunOutcome } from '../runs/run-queue.js';
import type { RunRequest } from '../runs/model.js';
import { chownTree, extractUploadFrom, materialiseSource, type Source } from './source.js';
import { resolveInsideContext, type SourcePolicy } from './source-policy.js';
import {
  dockerConfigJson,
  principalForIdentity,
  resolveCredential,
  verifyLogin,
  type DockerCredential,
} from './registry-login.js';
import { runGraph } from './dag.js';
import { buildReport } from './report.js';
import type { RunState } from './step-exec.js';
import type { RunnablePlan, RunnableStep } from './plan-types.js';
import type { RunnerDeps, RunVars } from './ports.js';
import { RunDockerProxy } from '../sandbox/index.js';

class RunSetupError extends Error {}

/** The principal a `secrets:` entry is read with: its clientID's identity, else the system-assigned one, else the only user-assigned one. */
function secretPrincipal(req: RunRequest, clientID?: string): string {
  if (clientID) return principalForIdentity(clientID, req.identity);
  if (req.identity?.principalId) return req.identity.principalId;
  const users = Object.values(req.identity?.userAssignedIdentities ?? {});
  if (users.length === 1) return users[0].principalId;
  throw new RunSetupError(
    'failed to resolve secrets: the task has no managed identity to read Key Vault secrets with (use --assign-identity, or clientID in the secret)',
  );
}

/** A Docker-type task/`acr build`: build then (unless no-push) push, like acb build. */
function dockerPlan(req: RunRequest, runId: string, registryLogin: string): RunnablePlan {
  const s = req.step as Extract<RunRequest['step'], { type: 'Docker' }>;
  const tags = s.imageNames
    .map((n) => n.replaceAll('{{.Run.ID}}', runId).replaceAll('$ID', runId))
    .map((n) => (n.includes('/') && /[.:]|^localhost$/.test(n.split('/')[0]) ? n : `${registryLogin}/${n}`));
  const args = s.arguments.map(
    (a) => `${a.name}=${a.isSecret ? (req.secureValues[`arg:${a.name}`] ?? '') : (a.value ?? '')}`,
  );
  const base = {
    env: [],
    timeout: 28800,
    disableWorkingDirectoryOverride: false,
    privileged: false,
    detach: false,
    keep: false,
    ports: [],
    expose: [],
    startDelay: 0,
    retries: 0,
    retryDelay: 5,
    retryOnErrors: [],
    repeat: 0,
    pull: false,
    ignoreErrors: false,
    volumeMounts: [],
  };
  const steps: RunnableStep[] = [
    {
      ...base,
      id: 'build',
      type: 'build',
      dependsOn: [],
      build: {
        tags,
        dockerfile: s.dockerFilePath,
        buildArgs: args,
        target: s.target ?? undefined,
        context: '.',
        contextKind: 'local',
        otherFlags: s.noCache ? ['--no-cache'] : [],
      },
    },
  ];
  if (s.isPushEnabled && tags.length && !req.noPush)
    steps.push({ ...base, id: 'push', type: 'push', timeout: 3600, dependsOn: ['build'], push: tags });
  return { env: [], volumes: [], steps };
}

/** Executes runs on a real container engine, the way ACR's acb runner does (acr-reference.md §1.9, §4). */
export class TaskRunner implements RunExecutor {
  constructor(private readonly deps: RunnerDeps) {}

  private get policy(): SourcePolicy {
    return this.deps.sourcePolicy ?? { allowedLocalContextRoots: [] };
  }

  async execute(ctx: RunContext): Promise<RunOutcome> {
    const { run, log, signal } = ctx;
    const req = run.request;
    const deps = this.deps;
    const registry = await deps.registryByName(req.registryName);
    if (!registry) return { status: 'Failed', errorMessage: `registry ${req.registryName} no longer exists` };
    const workspace = join(deps.workDir, `${registry.name}-${run.runId}`);
    const homeVolume = `acb_vol_${randomUUID()}`;
    const label = { 'dockyard.run': `${registry.name}-${run.runId}` };
    let bindingSecret: string | undefined;
    let dockerApi: RunDockerProxy | undefined;
    /** The workload identity header works only while the run's steps run (not before, not after, not once canceled). */
    let stepsRunning = false;
    const createdVolumes: string[] = [];
    const engine = await deps.engine().catch((err) => {
      throw new Error(`the container engine is not available: ${(err as Error).message}`);
    });
    try {
      // Source
      let source: Source;
      const step = req.step;
      if (req.uploadedContext || step.contextPath) {
        log.line('Downloading source code...');
        try {
          source = req.uploadedContext
            ? await extractUploadFrom(req.uploadedContext, workspace, deps.openUpload)
            : await materialiseSource(step.contextPath, workspace, this.policy, {
                signal,
                checkout: req.trigger.sourceTrigger
                  ? { commit: req.trigger.sourceTrigger.commitId, ref: req.trigger.gitRef }
                  : undefined,
              });
        } catch (err) {
          log.line(`Error: ${(err as Error).message}`);
          return { status: 'Failed', errorMessage: (err as Error).message };
        }
        log.line('Finished downloading source code');
      } else source = await materialiseSource(null, workspace, this.policy);
      // On a remapped daemon container root is an unprivileged host uid: the workspace is theirs (engine-isolation.md).
      if (engine.remapRoot) await chownTree(source.root, engine.remapRoot);

      // Task file → plan (secrets resolved with the task's identity, masked everywhere)
      const runVars: RunVars = {
        id: run.runId,
        sharedVolume: homeVolume,
        registry: registry.loginServer,
        registryName: registry.name,
        date: new Date(run.startTime ?? Date.now()),
        os: req.platform.os,
        architecture: req.platform.architecture,
        commit: req.trigger.sourceTrigger?.commitId ?? source.gitHeadRevision ?? '',
        branch: req.trigger.sourceTrigger?.branchName ?? source.branch ?? '',
        repository: req.trigger.sourceTrigger?.repositoryUrl ?? source.repositoryUrl ?? '',
        triggeredBy: req.trigger.kind,
        taskName: req.taskName ?? 'quickrun',
      };
      for (const v of Object.values(req.secureValues)) log.addSecret(v);
      let plan: RunnablePlan;
      try {
        plan =
          step.type === 'Docker'
            ? dockerPlan(req, run.runId, registry.loginServer)
            : await this.loadPlan(req, source, runVars, (v) => log.addSecret(v));
      } catch (err) {
        log.line(`Error: ${(err as Error).message}`);
        return { status: 'Failed', errorMessage: (err as Error).message };
      }

      log.line(`Using ${homeVolume} as the home volume`);
      await engine.createVolume(homeVolume, label);
      createdVolumes.push(homeVolume);
      log.line('Skip creating network: acb_default_network (Dockyard runs steps on the host network)');

      // Registry logins: custom registries with the task's credentials, then the run's own registry.
      log.line('Setting up Docker configuration...');
      log.line('Successfully set up Docker configuration');
      const creds = new Map<string, DockerCredential>();
      const logins: Array<[string, () => Promise<DockerCredential>]> = [];
      for (const [server, c] of Object.entries(req.credentials?.customRegistries ?? {}))
        logins.push([server, () => resolveCredential(deps, server, c, req.secureValues, req.identity, signal)]);
      if ((req.credentials?.sourceRegistry.loginMode ?? 'Default') !== 'None' && !creds.has(registry.loginServer))
        logins.push([registry.loginServer, () => deps.sourceRegistryCredential(registry)]);
      for (const [server, resolve] of logins) {
        log.line(`Logging in to registry: ${server}`);
        try {
          const cred = await resolve();
          log.addSecret(cred.password);
          await verifyLogin(server, cred, signal);
          creds.set(server, cred);
        } catch (err) {
          const msg = `failed to login, ran out of retries: failed to set docker credentials: ${(err as Error).message}`;
          log.line(msg);
          return { status: 'Failed', errorMessage: msg };
        }
        log.line(`Successfully logged into ${server}`);
      }
      await engine.writeFilesToVolume(homeVolume, {
        '.docker/config.json': { content: dockerConfigJson(creds), mode: 0o600 },
      });

      // Identity for step containers: the workload token endpoint bound to this run only.
      const baseEnv: Record<string, string> = {
        HOME: '/acb/home',
        DOCKYARD_ENDPOINT: deps.apiEndpoint(),
        DOCKER_CONFIG: '/acb/home/.docker',
      };
      const identities = [
        req.identity?.principalId,
        ...Object.values(req.identity?.userAssignedIdentities ?? {}).map((u) => u.principalId),
      ].filter((x): x is string => Boolean(x));
      if (identities.length) {
        const b = await deps.createWorkloadBinding({
          identities,
          defaultIdentity: identities[0],
          trustedService: 'tasks',
          expiresAt: new Date(Date.now() + run.timeout * 1000),
          isActive: () => stepsRunning && !signal.aborted,
        });
        bindingSecret = b.secret;
        const secret = b.secret;
        signal.addEventListener('abort', () => void deps.revokeWorkloadBinding(secret).catch(() => undefined), {
          once: true,
        });
        log.addSecret(b.secret);
        Object.assign(baseEnv, {
          IDENTITY_ENDPOINT: b.endpoint,
          IDENTITY_HEADER: b.secret,
          MSI_ENDPOINT: b.endpoint,
          MSI_SECRET: b.secret,
        });
      }

      // Task volumes (secret files)
      const volumes = new Map<string, string>();
      for (const v of plan.volumes) {
        const name = `${v.name}_${run.runId}_${registry.name}`;
        await engine.createVolume(name, label);
        createdVolumes.push(name);
        const files: Record<string, Buffer> = {};
        for (const [f, b64] of Object.entries(v.secret)) {
          const buf = Buffer.from(b64, 'base64');
          log.addSecret(buf.toString());
          files[f] = buf;
        }
        await engine.writeFilesToVolume(name, files);
        log.line(`Volume source ${v.name} successfully created`);
        volumes.set(v.name, name);
      }

      // The Docker API step containers see: scoped to this run (its containers, volumes, images), never the daemon's.
      dockerApi = await RunDockerProxy.start({
        upstreamSocket: engine.dockerSocketPath,
        runKey: label['dockyard.run'],
        workspaceRoot: source.root,
        allowPrivileged: req.allowPrivilegedSteps === true,
        isSharedImage: (ref) => deps.knownDigest?.(ref) !== undefined,
        onDenied: (m) => log.line(`Docker API request refused: ${m}`),
        baseDir: deps.dockerApiDir,
      });
      const state: RunState = {
        runId: run.runId,
        log,
        engine,
        source,
        creds,
        homeVolume,
        volumes,
        baseEnv,
        taskEnv: plan.env,
        labels: label,
        signal,
        policy: this.policy,
        scan: deps.scanDockerfile,
        knownDigest: (ref) => deps.knownDigest?.(ref),
        built: new Map(),
        pushed: new Map(),
        dockerApi,
        allowPrivileged: req.allowPrivilegedSteps === true,
      };
      await ctx.markRunning();
      stepsRunning = true;
      const { outcomes, failure } = await runGraph(state, plan.steps);
      for (const s of plan.steps) {
        const o = outcomes.get(s.id)!;
        log.line(`Step ID: ${s.id} marked as ${o.status} (elapsed time in seconds: ${o.elapsedSeconds.toFixed(6)})`);
        if (s.type === 'build' && o.status === 'successful') {
          log.line(`Populating digests for step ID: ${s.id}...`);
          log.line(`Successfully populated digests for step ID: ${s.id}`);
        }
      }
      const report = buildReport(state, source.gitHeadRevision);
      if (failure)
        return {
          status: 'Failed',
          errorMessage: `failed to run step ID: ${failure.stepId}: ${failure.error}`,
          result: report.result,
        };
      if (report.text) {
        log.line('The following dependencies were found:');
        log.line('');
        log.write(report.text);
        log.plain('');
      }
      return { status: 'Succeeded', result: report.result };
    } catch (err) {
      if (err instanceof RunSetupError) {
        log.line(err.message);
        return { status: 'Failed', errorMessage: err.message };
      }
      throw err;
    } finally {
      stepsRunning = false;
      if (bindingSecret) await deps.revokeWorkloadBinding(bindingSecret).catch(() => undefined);
      await dockerApi?.close().catch(() => undefined);
      await engine.removeContainersByLabel('dockyard.run', label['dockyard.run']).catch(() => 0);
      for (const v of createdVolumes) await engine.removeVolume(v).catch(() => undefined);
      await rm(workspace, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async loadPlan(
    req: RunRequest,
    source: Source,
    runVars: RunVars,
    mask: (v: string) => void,
  ): Promise<RunnablePlan> {
    const step = req.step;
    let text: string;
    let valuesFile: string | undefined;
    let fileName: string;
    if (step.type === 'EncodedTask') {
      text = Buffer.from(step.encodedTaskContent, 'base64').toString('utf8');
      valuesFile = step.encodedValuesContent
        ? Buffer.from(step.encodedValuesContent, 'base64').toString('utf8')
        : undefined;
      fileName = 'acb.yaml';
    } else if (step.type === 'FileTask') {
      // Resolved with symlinks followed, then checked to stay inside the context (a link to /etc/shadow is refused).
      const base = join(source.root, source.subdir);
      text = await readFile(await resolveInsideContext(source.root, base, step.taskFilePath, 'task file'), 'utf8');
      fileName = step.taskFilePath;
      if (step.valuesFilePath)
        valuesFile = await readFile(
          await resolveInsideContext(source.root, base, step.valuesFilePath, 'values file'),
          'utf8',
        );
    } else throw new RunSetupError('unsupported step type');
    const taskValues = step.values ?? [];
    const all = [...taskValues, ...req.values];
    const set = all.filter((v) => !v.isSecret).map((v) => ({ name: v.name, value: v.value ?? '' }));
    const setSecret = all
      .filter((v) => v.isSecret)
      .map((v) => ({ name: v.name, value: req.secureValues[`value:${v.name}`] ?? '' }));
    const { plan, secretValues } = await this.deps.loadTaskFile({
      text,
      fileName,
      run: runVars,
      valuesFile,
      set,
      setSecret,
      resolveSecret: async (s) => {
        if (!s.keyvault) throw new RunSetupError(`secret ${s.id} has no keyvault URL`);
        const principal = secretPrincipal(req, s.clientID);
        try {
          const v = await this.deps.readSecret(principal, s.keyvault);
          mask(v);
          return v;
        } catch (err) {
          const code = isDockyardError(err) ? `(${err.code}) ` : '';
          throw new RunSetupError(`failed to resolve secret ${s.id} (${s.keyvault}): ${code}${(err as Error).message}`);
        }
      },
    });
    for (const v of secretValues) mask(v);
    return plan;
  }
}
