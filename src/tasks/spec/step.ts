/** One step of a task file: type, every graph.Step property with ACR's defaults and checks (ACR §1.3–1.4). */
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import type { Reader } from './yaml-reader.js';
import type { Step, StepType, VolumeMount } from './types.js';
import { parseBuildArgs } from './build-args.js';
import { normalisePush, parseCmdArgs } from './cmd-args.js';

export const STEP_KEYS = [
  'id',
  'cmd',
  'build',
  'push',
  'when',
  'env',
  'timeout',
  'workingDirectory',
  'disableWorkingDirectoryOverride',
  'entryPoint',
  'user',
  'network',
  'isolation',
  'cpus',
  'privileged',
  'detach',
  'keep',
  'ports',
  'expose',
  'startDelay',
  'retries',
  'retryDelay',
  'retryOnErrors',
  'repeat',
  'pull',
  'cmdDownloadRetries',
  'cmdDownloadRetryDelay',
  'ignoreErrors',
  'cache',
  'volumeMounts',
  'exitedWith',
  'exitedWithout',
];
const ONLY_CMD_BUILD = [
  'workingDirectory',
  'disableWorkingDirectoryOverride',
  'user',
  'network',
  'isolation',
  'cpus',
  'privileged',
  'detach',
  'keep',
  'ports',
  'expose',
  'retries',
  'retryDelay',
  'retryOnErrors',
  'repeat',
  'volumeMounts',
];
const ONLY_CMD = ['entryPoint', 'pull', 'cmdDownloadRetries', 'cmdDownloadRetryDelay'];

export const DEFAULT_STEP_TIMEOUT = 600;
export const DEFAULT_RETRY_DELAY = 5;

export function validateEnv(r: Reader, node: Node | null | undefined, name: string): string[] {
  const env = r.strList(node, name);
  if (isSeq(node)) {
    env.forEach((e, i) => {
      if (!e.includes('='))
        r.error(
          (node.items as Node[])[i],
          `invalid env entry "${e}": each entry must be KEY=VALUE`,
          'e.g. - MY_VAR=value',
        );
    });
  }
  return env.filter((e) => e.includes('='));
}

export function parseStep(
  r: Reader,
  node: Node,
  index: number,
  stepTimeout: number,
  defaultWd: string | undefined,
): Step | null {
  if (!isMap(node)) {
    r.error(node, `step ${index}: a step must be a map with a cmd, build, or push property`);
    return null;
  }
  const e = r.entries(node as YAMLMap, STEP_KEYS, 'step');
  const v = (k: string): Node | null | undefined => e.get(k)?.value;
  const types = (['cmd', 'build', 'push'] as StepType[]).filter((t) => e.has(t));
  if (types.length === 0) {
    r.error(node, 'step is missing a cmd, build, or push property', 'add one of cmd:, build: or push:');
    return null;
  }
  if (types.length > 1) {
    r.error(
      e.get(types[1])!.key,
      'step must only contain a single build, cmd, or push property',
      `this step has ${types.join(' and ')}`,
    );
    return null;
  }
  const type = types[0];
  const idNode = v('id');
  const idRaw = r.str(idNode, 'id');
  const id = idRaw ?? `acb_step_${index}`;
  if (idRaw !== undefined && /\s/.test(idRaw)) r.error(idNode, `step ID "${idRaw}" cannot contain spaces`);
  if (idRaw === '') r.error(idNode, 'step ID cannot be empty');

  const step: Step = {
    index,
    id,
    idGenerated: idRaw === undefined,
    type,
    when: [],
    env: [],
    timeout: stepTimeout,
    workingDirectory: undefined,
    disableWorkingDirectoryOverride: false,
    privileged: false,
    detach: false,
    keep: false,
    ports: [],
    expose: [],
    startDelay: 0,
    retries: 0,
    retryDelay: DEFAULT_RETRY_DELAY,
    retryOnErrors: [],
    repeat: 0,
    pull: false,
    cmdDownloadRetries: 0,
    cmdDownloadRetryDelay: 0,
    ignoreErrors: false,
    volumeMounts: [],
    exitedWith: [],
    exitedWithout: [],
    pos: r.pos(node),
  };

  const typeNode = v(type);
  if (type === 'push') {
    let images: string[] = [];
    if (isScalar(typeNode) && typeof typeNode.value === 'string' && typeNode.value.trim() !== '')
      images = [typeNode.value];
    else images = r.strList(typeNode, 'push');
    if (images.length === 0)
      r.error(typeNode ?? node, 'push: at least one image is required', 'push: ["$Registry/app:$ID"]');
    images.filter((i) => /\s/.test(i.trim())).forEach((i) => r.error(typeNode, `push: invalid image reference "${i}"`));
    step.push = normalisePush(images.filter((i) => i.trim() !== ''));
  } else {
    const raw = r.str(typeNode, type);
    if (raw === undefined || raw.trim() === '') r.error(typeNode ?? e.get(type)!.key, `${type}: a value is required`);
    else {
      try {
        if (type === 'build') step.build = parseBuildArgs(raw);
        else step.cmd = parseCmdArgs(raw);
      } catch (err) {
        r.error(typeNode, `${type}: ${(err as Error).message}`);
      }
    }
  }

  for (const k of ONLY_CMD_BUILD)
    if (type === 'push' && e.has(k)) r.warn(e.get(k)!.key, `"${k}" has no effect on a push step`);
  for (const k of ONLY_CMD) if (type !== 'cmd' && e.has(k)) r.warn(e.get(k)!.key, `"${k}" only applies to cmd steps`);
  if (e.has('cache') && type !== 'build') r.warn(e.get('cache')!.key, '"cache" only applies to build steps');

  step.when = r.strList(v('when'), 'when');
  step.env = validateEnv(r, v('env'), 'env');
  const timeout = r.int(v('timeout'), 'timeout');
  if (timeout !== undefined) step.timeout = timeout > 0 ? timeout : stepTimeout;
  step.workingDirectory = r.str(v('workingDirectory'), 'workingDirectory') ?? defaultWd;
  step.disableWorkingDirectoryOverride =
    r.bool(v('disableWorkingDirectoryOverride'), 'disableWorkingDirectoryOverride') ?? false;
  step.entryPoint = r.str(v('entryPoint'), 'entryPoint');
  step.user = r.str(v('user'), 'user');
  step.network = r.str(v('network'), 'network');
  step.isolation = r.str(v('isolation'), 'isolation');
  step.cpus = r.str(v('cpus'), 'cpus');
  step.privileged = r.bool(v('privileged'), 'privileged') ?? false;
  step.detach = r.bool(v('detach'), 'detach') ?? false;
  step.keep = r.bool(v('keep'), 'keep') ?? false;
  step.ports = r.strList(v('ports'), 'ports');
  step.expose = r.strList(v('expose'), 'expose');
  step.startDelay = r.int(v('startDelay'), 'startDelay') ?? 0;
  if (step.startDelay < 0) r.error(v('startDelay'), 'startDelay must be >= 0');
  step.retries = r.int(v('retries'), 'retries') ?? 0;
  if (step.retries < 0) r.error(v('retries'), 'retries must be >= 0');
  const retryDelay = r.int(v('retryDelay'), 'retryDelay');
  step.retryDelay = retryDelay !== undefined && retryDelay > 0 ? retryDelay : DEFAULT_RETRY_DELAY;
  step.retryOnErrors = r.strList(v('retryOnErrors'), 'retryOnErrors');
  step.repeat = r.int(v('repeat'), 'repeat') ?? 0;
  if (step.repeat < 0) r.error(v('repeat'), 'repeat must be >= 0');
  step.pull = r.bool(v('pull'), 'pull') ?? false;
  step.cmdDownloadRetries = r.int(v('cmdDownloadRetries'), 'cmdDownloadRetries') ?? 0;
  step.cmdDownloadRetryDelay = r.int(v('cmdDownloadRetryDelay'), 'cmdDownloadRetryDelay') ?? 0;
  step.ignoreErrors = r.bool(v('ignoreErrors'), 'ignoreErrors') ?? false;
  const cache = r.str(v('cache'), 'cache');
  if (cache !== undefined) {
    if (cache !== 'enabled' && cache !== 'disabled')
      r.error(v('cache'), `invalid cache value "${cache}": must be enabled or disabled`);
    else step.cache = cache;
  }
  step.volumeMounts = parseVolumeMounts(r, v('volumeMounts'));
  step.exitedWith = r.intList(v('exitedWith'), 'exitedWith');
  step.exitedWithout = r.intList(v('exitedWithout'), 'exitedWithout');
  return step;
}

function parseVolumeMounts(r: Reader, node: Node | null | undefined): VolumeMount[] {
  if (node === null || node === undefined) return [];
  if (!isSeq(node)) {
    r.error(node, 'volumeMounts must be a list of {name, mountPath}');
    return [];
  }
  const out: VolumeMount[] = [];
  const paths = new Set<string>();
  for (const item of node.items as Node[]) {
    if (!isMap(item)) {
      r.error(item, 'volumeMounts entry must be a map with name and mountPath');
      continue;
    }
    const e = r.entries(item as YAMLMap, ['name', 'mountPath'], 'volumeMount');
    const name = r.str(e.get('name')?.value, 'name');
    const mountPath = r.str(e.get('mountPath')?.value, 'mountPath');
    if (!name) r.error(item, 'volumeMount is missing a name');
    else if (!mountPath) r.error(item, `volumeMount ${name} is missing a mountPath`);
    else if (paths.has(mountPath))
      r.error(e.get('mountPath')!.value, `mountPath ${mountPath} is used twice in this step`);
    else {
      paths.add(mountPath);
      out.push({ name, mountPath });
    }
  }
  return out;
}
