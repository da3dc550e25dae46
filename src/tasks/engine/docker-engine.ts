import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { DockyardError } from '../../shared/index.js';
import type {
  BuildOptions,
  BuildResult,
  ContainerEngine,
  ImageInfo,
  PullOptions,
  PushOptions,
  PushResult,
  RunOptions,
  RunResult,
  VolumeFile,
} from './container-engine.js';
import { buildImage, pullImage, pushImage } from './docker-build.js';
import { runContainer } from './docker-run.js';
import {
  startDockerd,
  pingSocket,
  type DockerdHandle,
  type EngineUserns,
  type RemapRoot,
  type StorageDriver,
} from './dockerd.js';
import { consumeJsonStream } from './json-message.js';
import { parseImageRef, splitRepoTag } from './image-ref.js';
import { dirToTar, filesToTar, ensureHelperImage } from './volume-io.js';

export interface DockerEngineOptions {
  /** Reuse a running daemon (`unix:///var/run/docker.sock` or a socket path) instead of starting a private one. */
  dockerHost?: string;
  /** Data dir for the private daemon (required without dockerHost). */
  dataDir?: string;
  execRoot?: string;
  storageDriver?: StorageDriver;
  startTimeoutMs?: number;
  /** User-namespace remapping for the private daemon (default `remap`); ignored with dockerHost, whose setting is read. */
  userns?: EngineUserns;
}

// dockerode (with ssh2, grpc and protobufjs, ~200 files) loads when an engine is created: a server on `--engine none`
// and the CLI never pay for it at start-up.
const requireCjs = createRequire(import.meta.url);
const dockerClient = (socketPath: string): Docker => new (requireCjs('dockerode') as typeof Docker)({ socketPath });

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;

export class DockerEngine implements ContainerEngine {
  readonly docker: Docker;
  private helperImage: Promise<string> | undefined;

  /**
   * @param remapped the daemon runs containers in a user namespace (`--userns-remap`)
   * @param remapRoot host ids of container root on that daemon, when known (a private daemon)
   */
  constructor(
    readonly dockerSocketPath: string,
    private readonly daemon?: DockerdHandle,
    readonly remapped = daemon?.remapRoot !== undefined,
    readonly remapRoot: RemapRoot | undefined = daemon?.remapRoot,
  ) {
    this.docker = dockerClient(dockerSocketPath);
  }

  /** The private daemon, when this engine started one. */
  get dockerd(): DockerdHandle | undefined {
    return this.daemon;
  }

  build(opts: BuildOptions): Promise<BuildResult> {
    return buildImage(this.docker, opts, this.remapped);
  }

  push(opts: PushOptions): Promise<PushResult> {
    return pushImage(this.docker, opts);
  }

  pull(opts: PullOptions): Promise<{ imageId: string }> {
    return pullImage(this.docker, opts);
  }

  run(opts: RunOptions): Promise<RunResult> {
    return runContainer(this.docker, opts, this.remapped);
  }

  async createVolume(name: string, labels?: Record<string, string>): Promise<void> {
    await this.docker.createVolume({ Name: name, Labels: labels ?? {} });
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove({ force: true });
    } catch (err) {
      if (statusOf(err) !== 404)
        throw new DockyardError('EngineOperationFailed', `cannot remove volume ${name}: ${(err as Error).message}`);
    }
  }

  writeFilesToVolume(volume: string, files: Record<string, Buffer | string | VolumeFile>): Promise<void> {
    return this.putIntoVolume(volume, filesToTar(files));
  }

  copyDirToVolume(volume: string, hostDir: string, subPath?: string): Promise<void> {
    return this.putIntoVolume(volume, dirToTar(hostDir, subPath));
  }

  /** Extracts a tar into a volume through a never-started helper container (works with remote daemons too). */
  private async putIntoVolume(volume: string, tar: NodeJS.ReadableStream): Promise<void> {
    this.helperImage ??= ensureHelperImage(this.docker);
    const image = await this.helperImage;
    const c = await this.docker.createContainer({
      Image: image,
      Cmd: ['/dockyard-never-started'],
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/v' }] },
    });
    try {
      await c.putArchive(tar, { path: '/v' });
    } finally {
      await c.remove({ force: true }).catch(() => undefined);
    }
  }

  async removeContainer(name: string, force = true): Promise<void> {
    try {
      await this.docker.getContainer(name).remove({ force });
    } catch (err) {
      if (statusOf(err) !== 404)
        throw new DockyardError('EngineOperationFailed', `cannot remove container ${name}: ${(err as Error).message}`);
    }
  }

  async removeContainersByLabel(key: string, value: string): Promise<number> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [`${key}=${value}`] } });
    await Promise.all(
      list.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    return list.length;
  }

  async inspectImage(ref: string): Promise<ImageInfo> {
    try {
      const i = await this.docker.getImage(ref).inspect();
      return {
        exists: true,
        id: i.Id,
        repoTags: i.RepoTags ?? [],
        repoDigests: i.RepoDigests ?? [],
        labels: (i.Config?.Labels as Record<string, string> | null) ?? {},
        size: i.Size,
      };
    } catch (err) {
      if (statusOf(err) === 404) return { exists: false, repoTags: [], repoDigests: [], labels: {} };
      throw new DockyardError('EngineOperationFailed', `cannot inspect ${ref}: ${(err as Error).message}`);
    }
  }

  async tagImage(src: string, dst: string): Promise<void> {
    const { repo, tag } = splitRepoTag(dst);
    try {
      await this.docker.getImage(src).tag({ repo, tag });
    } catch (err) {
      if (statusOf(err) === 404) throw new DockyardError('EngineImageNotFound', `No such image: ${src}`);
      throw err;
    }
  }

  async removeImage(ref: string, force = false): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force, noprune: false });
    } catch (err) {
      if (statusOf(err) !== 404)
        throw new DockyardError('EngineOperationFailed', `cannot remove image ${ref}: ${(err as Error).message}`);
    }
  }

  async imageDigestFor(ref: string, registryHost: string): Promise<string | undefined> {
    const info = await this.inspectImage(ref);
    const wanted = parseImageRef(ref);
    const candidates = info.repoDigests.filter((d) => parseImageRef(d).registry === registryHost);
    const exact = candidates.find((d) => parseImageRef(d).repository === wanted.repository) ?? candidates[0];
    return exact?.slice(exact.indexOf('@') + 1);
  }

  async loadImageArchive(tarPath: string): Promise<string[]> {
    const stream = (await this.docker.loadImage(createReadStream(tarPath), {
      quiet: true,
    } as never)) as unknown as NodeJS.ReadableStream;
    const loaded: string[] = [];
    await consumeJsonStream(stream, (text) => {
      const m = /^Loaded image(?: ID)?: (\S+)/.exec(text);
      if (m) loaded.push(m[1]);
    });
    return loaded;
  }

  async ping(): Promise<boolean> {
    return pingSocket(this.dockerSocketPath);
  }

  async close(): Promise<void> {
    await this.daemon?.stop();
  }
}

/** Connects to `dockerHost`, or starts a private dockerd under `dataDir`. */
export async function createDockerEngine(opts: DockerEngineOptions): Promise<DockerEngine> {
  if (opts.dockerHost) {
    const socket = opts.dockerHost.replace(/^unix:\/\//, '');
    if (!(await pingSocket(socket, 5000)))
      throw new DockyardError('EngineUnavailable', `no docker daemon answers on ${opts.dockerHost}`);
    const info = (await dockerClient(socket)
      .info()
      .catch(() => ({}))) as { SecurityOptions?: string[] };
    return new DockerEngine(
      socket,
      undefined,
      (info.SecurityOptions ?? []).some((o) => /name=userns/.test(o)),
    );
  }
  if (!opts.dataDir) throw new DockyardError('EngineUnavailable', 'a data dir or a docker host is required');
  const daemon = await startDockerd({
    dataDir: opts.dataDir,
    execRoot: opts.execRoot,
    storageDriver: opts.storageDriver,
    startTimeoutMs: opts.startTimeoutMs,
    userns: opts.userns,
  });
  return new DockerEngine(daemon.socketPath, daemon);
}
