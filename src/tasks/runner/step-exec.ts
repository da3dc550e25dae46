import { readFile } from 'node:fs/promises';
import { isAbsolute, join, posix, relative } from 'node:path';
import { DockyardError } from '../../shared/index.js';
import type { ContainerEngine, RegistryCredential, RunMount } from '../engine/index.js';
import { parseImageRef, repoDigestFor } from '../engine/index.js';
import type { RunLogWriter } from '../runs/run-log.js';
import type { Source } from './source.js';
import { materialiseSource } from './source.js';
import { resolveInsideContext, type SourcePolicy } from './source-policy.js';
import type { DockerCredential } from './registry-login.js';
import type { RunnableStep, ScannedDependencies } from './plan-types.js';

export interface RunState {
  runId: string;
  log: RunLogWriter;
  engine: ContainerEngine;
  source: Source;
  /** Logged-in registries: host -> credentials. */
  creds: Map<string, DockerCredential>;
  homeVolume: string;
  /** Declared task volumes: name -> docker volume. */
  volumes: Map<string, string>;
  /** Environment every cmd step gets (HOME, DOCKYARD_ENDPOINT, identity endpoint...). */
  baseEnv: Record<string, string>;
  taskEnv: string[];
  labels: Record<string, string>;
  signal: AbortSignal;
  /** Which sources a git build context may come from. */
  policy: SourcePolicy;
  scan(dockerfileText: string, buildArgs: Record<string, string>, target?: string): ScannedDependencies;
  /** Manifest digests of images the platform made itself (the offline library), by reference. */
  knownDigest(ref: string): string | undefined;
  /** Outputs collected for the report. */
  built: Map<string, { tags: string[]; deps: ScannedDependencies; depDigests: Map<string, string> }>;
  pushed: Map<string, string>;
  /** The run-scoped Docker API step containers get at /var/run/docker.sock (never the daemon's own socket). */
  dockerApi: { socketPath: string; ownImage(ref: string): void };
  /** The task's owner enabled privileged steps (`allowPrivilegedSteps`); off for quick runs. */
  allowPrivileged: boolean;
}

const PRIVILEGED_OFF =
  'privileged steps are off for this task: the registry owner can enable them with `az acr task update --allow-privileged-steps true` (properties.allowPrivilegedSteps)';

export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** Sleeps, returning early when the signal aborts. */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** Merges task env under step env (a step's own key wins), as acb does. */
export function mergeEnv(taskEnv: string[], stepEnv: string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...taskEnv, ...stepEnv]) {
    const i = e.indexOf('=');
    out.set(i < 0 ? e : e.slice(0, i), e);
  }
  return [...out.values()];
}

const stripQuotes = (v: string) =>
  v.length >= 2 && ((v[0] === "'" && v.endsWith("'")) || (v[0] === '"' && v.endsWith('"'))) ? v.slice(1, -1) : v;

function envRecord(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list) {
    const i = e.indexOf('=');
    if (i > 0) out[e.slice(0, i)] = stripQuotes(e.slice(i + 1));
  }
  return out;
}

/** The working directory flag of a step (`--workdir`), relative paths joined to /workspace. */
export function workdirOf(step: RunnableStep, subdir: string): string | undefined {
  if (step.disableWorkingDirectoryOverride) return undefined;
  const wd = step.workingDirectory ?? subdir;
  if (!wd) return undefined;
  return wd.startsWith('/') ? wd : posix.join('/workspace', wd);
}

function hostDirFor(state: RunState, step: RunnableStep): string {
  const wd = step.workingDirectory ?? state.source.subdir;
  if (wd && isAbsolute(wd)) {
    if (!wd.startsWith('/workspace')) throw new StepFailure(`working directory '${wd}' is outside /workspace`);
    return join(state.source.root, wd.slice('/workspace'.length));
  }
  return join(state.source.root, wd ?? '');
}

const authFor = (state: RunState, image: string): RegistryCredential | undefined =>
  state.creds.get(parseImageRef(image).registry);

/** `docker build`: scan dependencies, build with the logged-in credentials for FROM pulls. */
export async function execBuild(state: RunState, step: RunnableStep): Promise<void> {
  const b = step.build!;
  // Every path a build uses is resolved (symlinks followed) and must stay inside the run's source (or the git
  // context it cloned): no `-f /etc/shadow`, no `build ../../..`, no Dockerfile symlinked out of the context.
  let contextRoot = state.source.root;
  let contextDir: string;
  try {
    if (b.contextKind === 'git' && b.git) {
      contextRoot = join(state.source.root, step.id);
      await materialiseSource(
        `${b.git.url}${b.git.ref || b.git.dir ? `#${b.git.ref ?? ''}${b.git.dir ? `:${b.git.dir}` : ''}` : ''}`,
        contextRoot,
        state.policy,
        { signal: state.signal },
      );
      contextDir = await resolveInsideContext(contextRoot, contextRoot, b.git.dir ?? '.', 'build context');
    } else if (b.contextKind === 'local') {
      contextDir = await resolveInsideContext(contextRoot, hostDirFor(state, step), b.context || '.', 'build context');
    } else {
      throw new StepFailure(
        `build contexts of kind '${b.contextKind}' are not supported by Dockyard; use a local path or a git URL`,
      );
    }
  } catch (err) {
    if (err instanceof StepFailure || state.signal.aborted) throw err;
    throw new StepFailure((err as Error).message);
  }
  const buildArgs: Record<string, string> = {};
  for (const a of b.buildArgs) {
    const i = a.indexOf('=');
    if (i < 0) buildArgs[a] = process.env[a] ?? '';
    else buildArgs[a.slice(0, i)] = a.slice(i + 1);
  }
  const dockerfileArg = b.dockerfile || 'Dockerfile';
  let dockerfilePath: string;
  try {
    dockerfilePath = await resolveInsideContext(contextRoot, contextDir, dockerfileArg, 'Dockerfile');
  } catch (err) {
    throw new StepFailure((err as Error).message);
  }
  const dockerfile = relative(contextDir, dockerfilePath);
  state.log.line('Scanning for dependencies...');
  let deps: ScannedDependencies;
  try {
    const text = await readFile(dockerfilePath, 'utf8');
    deps = state.scan(text, buildArgs, b.target);
  } catch (err) {
    state.log.line(`Output from dependency scanning: ${(err as Error).message}`);
    throw new StepFailure(`failed to scan dependencies: ${(err as Error).message}`);
  }
  state.log.line('Successfully scanned dependencies');
  state.log.line(`Launching container with name: ${step.id}`);
  const pullAuth: Record<string, RegistryCredential> = Object.fromEntries(state.creds);
  try {
    await state.engine.build({
      contextDir,
      dockerfile,
      tags: b.tags,
      buildArgs,
      target: b.target,
      noCache: b.otherFlags.includes('--no-cache'),
      pull: b.otherFlags.includes('--pull'),
      pullAuth,
      network: 'host',
      onOutput: (c) => state.log.write(c),
      signal: state.signal,
    });
  } catch (err) {
    if (state.signal.aborted) throw err;
    throw new StepFailure((err as Error).message);
  }
  const depDigests = new Map<string, string>();
  for (const ref of [deps.runtime, ...deps.buildtime].filter(
    (r): r is string => Boolean(r) && r !== 'scratch:latest',
  )) {
    const info = await state.engine.inspectImage(ref).catch(() => null);
    const d = repoDigestFor(ref, info?.repoDigests) ?? state.knownDigest(ref);
    if (d) depDigests.set(ref, d);
  }
  for (const t of b.tags) state.dockerApi.ownImage(t);
  state.built.set(step.id, { tags: b.tags, deps, depDigests });
  state.log.line(`Successfully executed container: ${step.id}`);
}

/** Pushes each image, up to 3 attempts, with the credentials logged in for its registry. */
export async function execPush(state: RunState, step: RunnableStep): Promise<void> {
  for (const image of step.push ?? []) {
    const host = parseImageRef(image).registry;
    const cred = state.creds.get(host);
    let lastErr: Error | null = null;
    for (let attempt = 1; attempt <= 3; attempt++) {
      state.log.line(`Pushing image: ${image}, attempt ${attempt}`);
      try {
        const r = await state.engine.push({
          image,
          auth: cred ? { ...cred, serveraddress: host } : undefined,
          onOutput: (c) => state.log.write(c),
          signal: state.signal,
        });
        state.pushed.set(image, r.digest);
        lastErr = null;
        break;
      } catch (err) {
        lastErr = err as Error;
        if (state.signal.aborted) throw err;
        if (/denied|unauthorized|authentication required|forbidden/i.test(lastErr.message)) break;
      }
    }
    if (lastErr) throw new StepFailure(`failed to push image ${image}: ${lastErr.message}`);
    state.log.line(`Successfully pushed image: ${image}`);
  }
}

/** docker run flags allowed before the image in a `cmd` (the common ones; others are refused clearly). */
function applyRunFlags(
  flags: string[],
  opts: { env: string[]; entrypoint?: string; workdir?: string; user?: string; privileged?: boolean },
) {
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i];
    const [name, inline] =
      f.includes('=') && f.startsWith('--')
        ? [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]
        : [f, undefined];
    const val = () => inline ?? flags[++i];
    if (name === '-e' || name === '--env') opts.env.push(val());
    else if (name === '--entrypoint') opts.entrypoint = val();
    else if (name === '-w' || name === '--workdir') opts.workdir = val();
    else if (name === '-u' || name === '--user') opts.user = val();
    else if (name === '--privileged') opts.privileged = true;
    else if (name === '--rm' || name === '-i' || name === '-t' || name === '-it') continue;
    else
      throw new StepFailure(
        `unsupported docker run flag '${f}' in cmd (supported: -e/--env, --entrypoint, -w/--workdir, -u/--user, --privileged, --rm)`,
      );
  }
}

/** Runs a `cmd` step container with ACR's mounts: /workspace, the shared home, the daemon socket, task volumes. */
export async function execCmd(state: RunState, step: RunnableStep): Promise<void> {
  const c = step.cmd!;
  const extra = {
    env: [] as string[],
    entrypoint: step.entryPoint,
    workdir: workdirOf(step, state.source.subdir),
    user: step.user,
    privileged: step.privileged,
  };
  applyRunFlags(c.runFlags, extra);
  if (extra.privileged && !state.allowPrivileged)
    throw new StepFailure(`step ${step.id} asks for a privileged container: ${PRIVILEGED_OFF}`);
  const mounts: RunMount[] = [
    { source: state.source.root, target: '/workspace' },
    { source: state.homeVolume, target: '/acb/home' },
    { source: state.dockerApi.socketPath, target: '/var/run/docker.sock' },
  ];
  for (const vm of step.volumeMounts) {
    const vol = state.volumes.get(vm.name);
    if (!vol) throw new StepFailure(`volume ${vm.name} is not declared`);
    mounts.push({ source: vol, target: vm.mountPath, readOnly: true });
  }
  const env = { ...state.baseEnv, ...envRecord(mergeEnv(state.taskEnv, [...step.env, ...extra.env])) };
  if (step.pull) {
    state.log.line('Step specified pull. Performing an explicit pull...');
    const cred = authFor(state, c.image);
    await state.engine.pull({
      image: c.image,
      auth: cred ? { ...cred, serveraddress: parseImageRef(c.image).registry } : undefined,
      onOutput: (x) => state.log.write(x),
      signal: state.signal,
    });
    state.dockerApi.ownImage(c.image);
  }
  const runs = 1 + Math.max(0, step.repeat);
  const errors: string[] = [];
  for (let rep = 0; rep < runs; rep++) {
    let attempt = 0;
    for (;;) {
      state.log.line(`Launching container with name: ${step.id}`);
      let output = '';
      const cred = authFor(state, c.image);
      const r = await state.engine.run({
        name: `${step.id}-${state.runId}`,
        image: c.image,
        args: c.args,
        entrypoint: extra.entrypoint,
        env,
        workdir: extra.workdir,
        user: extra.user,
        network: step.network === 'none' ? 'none' : 'host',
        mounts,
        privileged: extra.privileged,
        detach: step.detach,
        keep: step.keep,
        ports: step.ports,
        expose: step.expose,
        labels: state.labels,
        pullAuth: cred ? { ...cred, serveraddress: parseImageRef(c.image).registry } : undefined,
        onOutput: (x) => {
          if (step.retryOnErrors.length) output += x;
          state.log.write(x);
        },
        signal: state.signal,
        timeoutMs: step.timeout * 1000,
      });
      if (r.exitCode === 0 && !r.timedOut) {
        state.log.line(`Successfully executed container: ${step.id}`);
        break;
      }
      if (state.signal.aborted) throw new StepFailure('canceled');
      const why = r.timedOut ? 'timed out' : `exit status ${r.exitCode}`;
      const retryable =
        !r.timedOut &&
        attempt < step.retries &&
        (step.retryOnErrors.length === 0 || step.retryOnErrors.some((e) => output.includes(e)));
      if (!retryable) {
        state.log.line(`Container failed during run: ${step.id}. No retries remaining.`);
        errors.push(why);
        break;
      }
      attempt++;
      state.log.line(`Container failed during run: ${step.id}, waiting ${step.retryDelay} seconds before retrying...`);
      await sleep(step.retryDelay * 1000, state.signal);
    }
  }
  if (errors.length) throw new StepFailure(errors.join('; '));
}

export async function execStep(state: RunState, step: RunnableStep): Promise<void> {
  if (step.type === 'build') return execBuild(state, step);
  if (step.type === 'push') return execPush(state, step);
  if (step.type === 'cmd') return execCmd(state, step);
  throw new DockyardError('TaskFileInvalid', `unknown step type in ${step.id}`);
}
