import { realpath } from 'node:fs/promises';
import { isAbsolute, normalize } from 'node:path';

/** Label every container and volume of a run carries (the runner's own step containers carry it too). */
export const RUN_LABEL = 'dockyard.run';

/** What one run may touch through its Docker API. */
export interface RunScope {
  /** Value of the `dockyard.run` label of the run's containers and volumes. */
  runKey: string;
  /** Host directory of the run's workspace (mounted at /workspace in steps). */
  workspaceRoot: string;
  /** Host path of the run's proxy socket (what `/var/run/docker.sock` means inside a step). */
  proxySocketPath: string;
  /** The task's owner enabled privileged steps (`allowPrivilegedSteps`). */
  allowPrivileged: boolean;
}

/** A request the run-scoped Docker API refuses (answered 403 with a Docker-style `{"message"}` body). */
export class PolicyDenied extends Error {
  constructor(
    message: string,
    readonly status = 403,
  ) {
    super(message);
    this.name = 'PolicyDenied';
  }
}

export type Route =
  | { kind: 'open' }
  | { kind: 'containerCreate' }
  | { kind: 'containerList' }
  | { kind: 'container'; id: string; suffix: string }
  | { kind: 'exec'; id: string; suffix: string }
  | { kind: 'build' }
  | { kind: 'imagePull' }
  | { kind: 'imageList' }
  | { kind: 'image'; name: string; op: 'json' | 'history' | 'push' | 'tag' | 'get' | 'delete' }
  | { kind: 'volumeCreate' }
  | { kind: 'volumeList' }
  | { kind: 'volume'; name: string };

const CONTAINER_OPS: Record<string, string[]> = {
  GET: ['json', 'logs', 'top', 'stats', 'changes', 'export', 'archive'],
  HEAD: ['archive'],
  PUT: ['archive'],
  POST: ['start', 'wait', 'attach', 'stop', 'kill', 'restart', 'resize', 'pause', 'unpause', 'rename', 'exec'],
};

/** The API path without its `/v1.xx` prefix. */
export function stripVersion(pathname: string): string {
  const m = /^\/v\d+\.\d+(\/.*)$/.exec(pathname);
  return m ? m[1] : pathname;
}

const dec = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new PolicyDenied(`malformed path segment '${s}'`, 400);
  }
};

/** Which rule applies to `method path` (version prefix stripped); throws PolicyDenied for anything not allowlisted. */
export function classify(method: string, rawPath: string): Route {
  const path = stripVersion(rawPath);
  const deny = (): never => {
    throw new PolicyDenied(
      `the run-scoped Docker API does not allow ${method} ${path} (Dockyard task steps may only manage their own run's containers, images and volumes)`,
    );
  };
  if ((method === 'GET' || method === 'HEAD') && ['/_ping', '/version', '/info'].includes(path))
    return { kind: 'open' };
  if (method === 'POST' && path === '/auth') return { kind: 'open' };
  if (method === 'GET' && /^\/distribution\/.+\/json$/.test(path)) return { kind: 'open' };
  if (method === 'POST' && path === '/containers/create') return { kind: 'containerCreate' };
  if (method === 'GET' && path === '/containers/json') return { kind: 'containerList' };
  let m = /^\/containers\/([^/]+)(?:\/([a-z]+))?$/.exec(path);
  if (m && m[1] !== 'prune') {
    const suffix = m[2] ?? '';
    if (suffix === '' ? method === 'DELETE' : (CONTAINER_OPS[method] ?? []).includes(suffix))
      return { kind: 'container', id: dec(m[1]), suffix };
    return deny();
  }
  m = /^\/exec\/([^/]+)\/(start|resize|json)$/.exec(path);
  if (m && (method === 'POST' ? m[2] !== 'json' : method === 'GET' && m[2] === 'json'))
    return { kind: 'exec', id: dec(m[1]), suffix: m[2] };
  if (method === 'POST' && path === '/build') return { kind: 'build' };
  if (method === 'POST' && path === '/images/create') return { kind: 'imagePull' };
  if (method === 'GET' && path === '/images/json') return { kind: 'imageList' };
  m = /^\/images\/(.+)\/(json|history|push|tag|get)$/.exec(path);
  if (m && !['search', 'load', 'prune'].includes(m[1])) {
    const op = m[2] as 'json' | 'history' | 'push' | 'tag' | 'get';
    if ((op === 'push' || op === 'tag') === (method === 'POST') && (method === 'POST' || method === 'GET'))
      return { kind: 'image', name: dec(m[1]), op };
    return deny();
  }
  m = /^\/images\/(.+)$/.exec(path);
  if (m && method === 'DELETE') return { kind: 'image', name: dec(m[1]), op: 'delete' };
  if (method === 'POST' && path === '/volumes/create') return { kind: 'volumeCreate' };
  if (method === 'GET' && path === '/volumes') return { kind: 'volumeList' };
  m = /^\/volumes\/([^/]+)$/.exec(path);
  if (m && m[1] !== 'prune' && (method === 'GET' || method === 'DELETE')) return { kind: 'volume', name: dec(m[1]) };
  return deny();
}

/** `filters` query value with `label=dockyard.run=<key>` added (both the list and the legacy map form are accepted). */
export function scopedFilters(raw: string | null, runKey: string): string {
  let f: Record<string, unknown> = {};
  if (raw) {
    try {
      f = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new PolicyDenied('invalid filters', 400);
    }
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new PolicyDenied('invalid filters', 400);
  }
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(f)) out[k] = Array.isArray(v) ? v.map(String) : Object.keys((v ?? {}) as object);
  out.label = [...(out.label ?? []), `${RUN_LABEL}=${runKey}`];
  return JSON.stringify(out);
}

/** A normalised image name (`docker.io/library/` dropped, `:latest` added) for tracking what a run built or pulled. */
export function imageKey(ref: string): string {
  let r = ref.trim();
  if (/^sha256:[0-9a-f]{64}$/.test(r) || /^[0-9a-f]{12,64}$/.test(r)) return r.replace(/^sha256:/, '');
  r = r.replace(/^(docker\.io|index\.docker\.io)\//, '').replace(/^library\//, '');
  const at = r.indexOf('@');
  if (at < 0 && r.lastIndexOf(':') <= r.lastIndexOf('/')) r = `${r}:latest`;
  return r;
}

/** `remote=` of a build: only http(s) and git URLs (the daemon would otherwise read a local path). */
export function checkBuildQuery(q: URLSearchParams): void {
  const remote = q.get('remote');
  if (remote && !/^(https?:\/\/|git:\/\/|git@|github\.com\/)/i.test(remote))
    throw new PolicyDenied(`build context '${remote}' refused: only http(s) and git URLs may be remote contexts`);
  const net = q.get('networkmode');
  if (net && !['default', 'host', 'none', 'bridge'].includes(net))
    throw new PolicyDenied(`build network mode '${net}' refused (allowed: default, host, none)`);
  for (const k of ['cgroupparent', 'isolation'])
    if (q.get(k)) throw new PolicyDenied(`build option '${k}' is not allowed`);
}

/** What the create check needs to know about other objects (answered by the daemon, or a fake in tests). */
export interface OwnershipLookup {
  /** The full id of a container of this run named/identified by `ref`, or null if it is not this run's (or absent). */
  ownContainer(ref: string): Promise<string | null>;
  /** Whether a volume of that name exists and is this run's. */
  volume(name: string): Promise<'own' | 'foreign' | 'missing'>;
}

const SOCKET_PATHS = new Set(['/var/run/docker.sock', '/run/docker.sock']);

/**
 * The host path a bind source means for the run: `/workspace` (or the workspace's host path) is the run's workspace,
 * the Docker socket is its proxy. Subdirectories are refused: the step can write the workspace, so it could swap a
 * checked subdirectory for a symlink before the daemon mounts it; the workspace root itself is Dockyard's directory.
 */
async function bindSource(src: string, scope: RunScope): Promise<string> {
  const p = normalize(src).replace(/\/+$/, '') || '/';
  if (SOCKET_PATHS.has(p) || p === scope.proxySocketPath) return scope.proxySocketPath;
  if (p === '/workspace' || p === scope.workspaceRoot)
    return realpath(scope.workspaceRoot).catch(() => scope.workspaceRoot);
  if (p.startsWith('/workspace/') || p.startsWith(`${scope.workspaceRoot}/`)) {
    throw new PolicyDenied(
      `bind mount of '${src}' refused: mount the whole workspace (-v /workspace:<path>) and use a working directory below it`,
    );
  }
  throw new PolicyDenied(
    `bind mount of '${src}' refused: steps may only mount the run's workspace (/workspace), its own volumes and the Docker socket`,
  );
}

async function volumeSource(name: string, scope: RunScope, lookup: OwnershipLookup, created: string[]): Promise<void> {
  const state = await lookup.volume(name);
  if (state === 'foreign')
    throw new PolicyDenied(`volume '${name}' belongs to another run: steps may only mount their own run's volumes`);
  if (state === 'missing') created.push(name);
  void scope;
}

const HOST_MODES: Array<[string, string]> = [
  ['PidMode', 'host PID namespace'],
  ['IpcMode', 'host IPC namespace'],
  ['UTSMode', 'host UTS namespace'],
  ['UsernsMode', 'host user namespace'],
  ['CgroupnsMode', 'host cgroup namespace'],
];

type Json = Record<string, unknown>;

/** Checks (and rewrites) a run-created container's namespaces, privileges and devices. */
async function checkHostConfig(hc: Json, scope: RunScope, lookup: OwnershipLookup): Promise<void> {
  const priv = scope.allowPrivileged;
  const refuse = (what: string): never => {
    throw new PolicyDenied(
      `${what} refused: privileged steps are off for this task (the registry owner can enable them with allowPrivilegedSteps / --allow-privileged-steps true)`,
    );
  };
  if (hc.Privileged === true && !priv) refuse('privileged container');
  for (const [key, what] of HOST_MODES) {
    const v = typeof hc[key] === 'string' ? (hc[key] as string) : '';
    if (v === 'host' && !priv) refuse(what);
    if (v.startsWith('container:')) {
      const id = await lookup.ownContainer(v.slice('container:'.length));
      if (!id) throw new PolicyDenied(`${key} '${v}' refused: not a container of this run`);
      hc[key] = `container:${id}`;
    }
  }
  const nonEmpty = (k: string) => Array.isArray(hc[k]) && (hc[k] as unknown[]).length > 0;
  if (!priv) {
    for (const k of ['Devices', 'DeviceRequests', 'DeviceCgroupRules', 'CapAdd'])
      if (nonEmpty(k)) refuse(k === 'CapAdd' ? 'adding capabilities' : `host devices (${k})`);
    for (const opt of (hc.SecurityOpt as string[] | null) ?? [])
      if (!/^no-new-privileges(:true|=true)?$/.test(opt)) refuse(`security option '${opt}'`);
    if (hc.MaskedPaths != null || hc.ReadonlyPaths != null) refuse('changing masked/read-only /proc paths');
    if (hc.Sysctls && Object.keys(hc.Sysctls as object).length) refuse('sysctls');
  }
  if (hc.CgroupParent) throw new PolicyDenied('CgroupParent is not allowed');
  if (hc.Runtime && hc.Runtime !== 'runc') throw new PolicyDenied(`runtime '${String(hc.Runtime)}' is not allowed`);
  if (nonEmpty('Links')) throw new PolicyDenied('container links are not supported (steps share the host network)');
  const net = typeof hc.NetworkMode === 'string' ? hc.NetworkMode : '';
  if (net.startsWith('container:')) {
    const id = await lookup.ownContainer(net.slice('container:'.length));
    if (!id) throw new PolicyDenied(`network mode '${net}' refused: not a container of this run`);
    hc.NetworkMode = `container:${id}`;
  } else if (net && !['default', 'host', 'none', 'bridge'].includes(net))
    throw new PolicyDenied(`network mode '${net}' refused (allowed: default, host, none)`);
  const from: string[] = [];
  for (const v of (hc.VolumesFrom as string[] | null) ?? []) {
    const [ref, mode] = v.split(':');
    const id = await lookup.ownContainer(ref);
    if (!id) throw new PolicyDenied(`--volumes-from '${ref}' refused: not a container of this run`);
    from.push(mode ? `${id}:${mode}` : id);
  }
  if (from.length) hc.VolumesFrom = from;
}

/** Checks and rewrites mounts: workspace, own volumes and the proxy socket only. Returns volumes to create first. */
async function checkMounts(hc: Json, scope: RunScope, lookup: OwnershipLookup): Promise<string[]> {
  const created: string[] = [];
  const binds: string[] = [];
  for (const b of (hc.Binds as string[] | null) ?? []) {
    const parts = b.split(':');
    const [src, ...rest] = parts;
    if (rest.length === 0) {
      binds.push(b); // anonymous volume at a container path
      continue;
    }
    if (isAbsolute(src)) binds.push([await bindSource(src, scope), ...rest].join(':'));
    else {
      await volumeSource(src, scope, lookup, created);
      binds.push(b);
    }
  }
  if (hc.Binds) hc.Binds = binds;
  for (const m of (hc.Mounts as Json[] | null) ?? []) {
    const type = String(m.Type ?? 'volume');
    if (type === 'bind') m.Source = await bindSource(String(m.Source ?? ''), scope);
    else if (type === 'volume') {
      if ((m.VolumeOptions as Json | undefined)?.DriverConfig)
        throw new PolicyDenied('volume driver options are not allowed in mounts');
      if (m.Source) await volumeSource(String(m.Source), scope, lookup, created);
    } else if (type !== 'tmpfs') throw new PolicyDenied(`mount type '${type}' is not allowed`);
  }
  return created;
}

/**
 * Validates a `POST /containers/create` body for a run and rewrites it in place: the run label is forced, the Docker
 * socket and `/workspace` binds map to the run's proxy socket and workspace, container references become full ids.
 * Returns named volumes that do not exist yet (the proxy creates them with the run label before forwarding).
 */
export async function checkContainerCreate(
  body: Json,
  scope: RunScope,
  lookup: OwnershipLookup,
): Promise<{ createVolumes: string[] }> {
  body.Labels = { ...((body.Labels as Record<string, string> | null) ?? {}), [RUN_LABEL]: scope.runKey };
  const hc = ((body.HostConfig as Json | null) ?? {}) as Json;
  body.HostConfig = hc;
  await checkHostConfig(hc, scope, lookup);
  const createVolumes = await checkMounts(hc, scope, lookup);
  return { createVolumes };
}

/** `POST /containers/{id}/exec` bodies: no privileged exec unless the owner allowed privileged steps. */
export function checkExecCreate(body: Json, scope: RunScope): void {
  if (body.Privileged === true && !scope.allowPrivileged)
    throw new PolicyDenied('privileged exec refused: privileged steps are off for this task (allowPrivilegedSteps)');
}

/** `POST /volumes/create`: local driver without options (a bind-style local volume could expose any host path). */
export function checkVolumeCreate(body: Json, scope: RunScope): void {
  if (body.Driver && body.Driver !== 'local')
    throw new PolicyDenied(`volume driver '${String(body.Driver)}' is not allowed`);
  if (body.DriverOpts && Object.keys(body.DriverOpts as object).length)
    throw new PolicyDenied('volume driver options are not allowed (they can mount host paths)');
  body.Labels = { ...((body.Labels as Record<string, string> | null) ?? {}), [RUN_LABEL]: scope.runKey };
}
