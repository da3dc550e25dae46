/**
 * The ContainerEngine port: everything the task runner needs from a container engine.
 * Implementations: DockerEngine (real, Docker Engine API over a unix socket) and FakeEngine (unit tests).
 * Output callbacks receive text exactly as the docker CLI would print it (non-TTY mode).
 */

export type OutputStream = 'stdout' | 'stderr';
export type OnOutput = (chunk: string, stream?: OutputStream) => void;

export interface RegistryCredential {
  username: string;
  password: string;
}

export interface BuildOptions {
  /** Directory sent as the build context. */
  contextDir: string;
  /** Dockerfile path, relative to contextDir or absolute (may lie outside the context). Default `Dockerfile`. */
  dockerfile?: string;
  tags?: string[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  /** Always attempt to pull a newer version of FROM images (`--pull`). */
  pull?: boolean;
  /** Credentials for pulling FROM images, keyed by registry host (`127.0.0.1:5000`, `myreg.azurecr.io`). */
  pullAuth?: Record<string, RegistryCredential>;
  labels?: Record<string, string>;
  /** Network for RUN instructions. Default `host` (steps use host networking on Dockyard). */
  network?: 'host' | 'none';
  onOutput?: OnOutput;
  signal?: AbortSignal;
}

export interface BuildResult {
  imageId: string;
}

export interface PushAuth extends RegistryCredential {
  /** Registry host the credentials are for, e.g. `127.0.0.1:5000`. */
  serveraddress: string;
}

export interface PushOptions {
  /** Full reference including registry host, e.g. `127.0.0.1:5000/reg1/hello-world:v1`. */
  image: string;
  auth?: PushAuth;
  onOutput?: OnOutput;
  signal?: AbortSignal;
}

export interface PushResult {
  /** Manifest digest `sha256:...`. */
  digest: string;
  /** Manifest size in bytes. */
  size: number;
}

export interface PullOptions {
  image: string;
  auth?: PushAuth;
  onOutput?: OnOutput;
  signal?: AbortSignal;
}

export interface RunMount {
  /** A volume name, or an absolute host path (bind mount). */
  source: string;
  target: string;
  readOnly?: boolean;
}

export interface RunOptions {
  /** Container name, unique per daemon: a container of the same name is force-removed first, so name per run. */
  name: string;
  image: string;
  args?: string[];
  /** Overrides the image's entrypoint: a program, or an argv prefix. */
  entrypoint?: string | string[];
  env?: Record<string, string> | string[];
  workdir?: string;
  user?: string;
  network: 'host' | 'none';
  mounts?: RunMount[];
  privileged?: boolean;
  /** Start and return at once (`docker run -d`); the container keeps running. */
  detach?: boolean;
  /** Keep the container after it exits (default: removed). */
  keep?: boolean;
  /** `host:container[/proto]` or `container[/proto]` publish specs (ignored by the daemon on host networking). */
  ports?: string[];
  /** `port[/proto]` expose specs. */
  expose?: string[];
  labels?: Record<string, string>;
  /** Credentials used when the image is not local and must be pulled first (like `docker run` does). */
  pullAuth?: PushAuth;
  onOutput?: OnOutput;
  signal?: AbortSignal;
  /** Kill the container after this many milliseconds (0/undefined: no limit). */
  timeoutMs?: number;
}

export interface RunResult {
  /** Exit code; 137 after a kill; 0 for a detached start. */
  exitCode: number;
  timedOut: boolean;
  aborted: boolean;
  containerId: string;
}

export interface ImageInfo {
  exists: boolean;
  id?: string;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  size?: number;
}

export interface VolumeFile {
  content: Buffer | string;
  mode?: number;
}

export interface ContainerEngine {
  /** Unix socket of the daemon, for mounting into step containers (`/var/run/docker.sock`). */
  readonly dockerSocketPath: string;
  /** Host uid/gid that container root runs as when the daemon remaps it (docs/designs/engine-isolation.md). */
  readonly remapRoot?: { uid: number; gid: number };
  build(opts: BuildOptions): Promise<BuildResult>;
  push(opts: PushOptions): Promise<PushResult>;
  pull(opts: PullOptions): Promise<{ imageId: string }>;
  run(opts: RunOptions): Promise<RunResult>;
  createVolume(name: string, labels?: Record<string, string>): Promise<void>;
  removeVolume(name: string): Promise<void>;
  /** Writes files (paths relative to the volume root, `a/b.txt` creates `a/`) into a volume. */
  writeFilesToVolume(volume: string, files: Record<string, Buffer | string | VolumeFile>): Promise<void>;
  /** Copies a host directory's content into a volume (under `subPath` if given). */
  copyDirToVolume(volume: string, hostDir: string, subPath?: string): Promise<void>;
  removeContainer(name: string, force?: boolean): Promise<void>;
  /** Force-removes every container carrying label `key=value` (e.g. a run's detached services); returns how many. */
  removeContainersByLabel(key: string, value: string): Promise<number>;
  inspectImage(ref: string): Promise<ImageInfo>;
  tagImage(src: string, dst: string): Promise<void>;
  removeImage(ref: string, force?: boolean): Promise<void>;
  /** The manifest digest of `ref` as known for `registryHost` (from RepoDigests), or undefined. */
  imageDigestFor(ref: string, registryHost: string): Promise<string | undefined>;
  /** Loads a docker-archive tar (as written by `docker save` or the offline library); returns loaded refs. */
  loadImageArchive(tarPath: string): Promise<string[]>;
  close(): Promise<void>;
}
