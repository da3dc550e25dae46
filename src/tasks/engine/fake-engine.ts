import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
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
import { parseImageRef, splitRepoTag } from './image-ref.js';

/** What a scripted run does: output to print, exit code, or hang until the timeout/abort. */
export interface FakeRunBehaviour {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  hang?: boolean;
}

export type FakeRunHandler = (opts: RunOptions, engine: FakeEngine) => FakeRunBehaviour | Promise<FakeRunBehaviour>;

export interface FakeCall {
  op: string;
  args: unknown;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
const normalise = (ref: string): string => {
  const r = parseImageRef(ref);
  return `${r.registry}/${r.repository}${r.digest ? `@${r.digest}` : `:${r.tag}`}`;
};

/**
 * A deterministic in-memory ContainerEngine for unit tests of the runner: records every call, keeps images,
 * tags, volumes and pushed digests, and prints docker-like output. Runs are scripted with `onRun`.
 */
export class FakeEngine implements ContainerEngine {
  readonly dockerSocketPath = '/var/run/fake-docker.sock';
  readonly calls: FakeCall[] = [];
  /** normalised ref → image id */
  readonly images = new Map<string, string>();
  /** image id → RepoDigests */
  readonly repoDigests = new Map<string, string[]>();
  readonly volumes = new Map<string, Map<string, Buffer>>();
  /** Containers left behind (detached or `keep`), name → labels. */
  readonly containers = new Map<string, Record<string, string>>();
  /** Registry hosts whose push fails (e.g. to test error paths). */
  readonly failingRegistries = new Set<string>();
  private readonly handlers: { match: (o: RunOptions) => boolean; handler: FakeRunHandler }[] = [];
  closed = false;

  constructor(seedImages: string[] = ['hello-world', 'busybox', 'bash', 'docker', 'dockyard/cli']) {
    for (const i of seedImages) this.images.set(normalise(i), `sha256:${sha(`seed:${i}`)}`);
  }

  /** Scripts runs whose image (or name) matches. Later registrations win. */
  onRun(match: string | RegExp | ((o: RunOptions) => boolean), handler: FakeRunHandler | FakeRunBehaviour): this {
    const m =
      typeof match === 'function'
        ? match
        : (o: RunOptions) => (typeof match === 'string' ? o.image === match || o.name === match : match.test(o.image));
    this.handlers.unshift({ match: m, handler: typeof handler === 'function' ? handler : () => handler });
    return this;
  }

  callsOf(op: string): unknown[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.args);
  }

  private record(op: string, args: unknown): void {
    this.calls.push({ op, args });
  }

  async build(o: BuildOptions): Promise<BuildResult> {
    const { onOutput, signal, pullAuth, ...rest } = o;
    this.record('build', { ...rest, pullAuthHosts: Object.keys(pullAuth ?? {}) });
    if (signal?.aborted) throw new DockyardError('EngineOperationFailed', 'build was cancelled');
    const dfPath = isAbsolute(o.dockerfile ?? '')
      ? (o.dockerfile as string)
      : join(o.contextDir, o.dockerfile ?? 'Dockerfile');
    const text = await readFile(dfPath, 'utf8').catch(() => {
      throw new DockyardError(
        'EngineBuildFailed',
        `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${dfPath}: no such file or directory`,
      );
    });
    const instructions = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const size = await dirSize(o.contextDir);
    onOutput?.(`Sending build context to Docker daemon  ${size}B\n`, 'stdout');
    let id = sha(`${text}|${JSON.stringify(o.buildArgs ?? {})}|${o.target ?? ''}`);
    instructions.forEach((ins, i) => {
      onOutput?.(`Step ${i + 1}/${instructions.length} : ${ins}\n`, 'stdout');
      const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(ins);
      if (from && !this.images.has(normalise(from[1])) && !/^scratch$/i.test(from[1])) {
        this.images.set(normalise(from[1]), `sha256:${sha(`pulled:${from[1]}`)}`);
      }
      onOutput?.(` ---> ${sha(`${id}:${i}`).slice(0, 12)}\n`, 'stdout');
    });
    id = sha(`${id}:${instructions.length}`);
    onOutput?.(`Successfully built ${id.slice(0, 12)}\n`, 'stdout');
    for (const t of o.tags ?? []) {
      this.images.set(normalise(t), `sha256:${id}`);
      onOutput?.(
        `Successfully tagged ${t.includes(':') && t.lastIndexOf(':') > t.lastIndexOf('/') ? t : `${t}:latest`}\n`,
        'stdout',
      );
    }
    return { imageId: `sha256:${id}` };
  }

  async push(o: PushOptions): Promise<PushResult> {
    this.record('push', { image: o.image, registry: o.auth?.serveraddress, username: o.auth?.username });
    const id = this.images.get(normalise(o.image));
    const { repo, tag } = splitRepoTag(o.image);
    o.onOutput?.(`The push refers to repository [${repo}]\n`, 'stdout');
    if (!id) throw new DockyardError('EnginePushFailed', `An image does not exist locally with the tag: ${repo}`);
    const host = parseImageRef(o.image).registry;
    if (this.failingRegistries.has(host))
      throw new DockyardError('EnginePushFailed', 'unauthorized: authentication required');
    const layer = id.slice(7, 19);
    const digest = `sha256:${sha(`${id}|${repo}`)}`;
    o.onOutput?.(`${layer}: Preparing\n${layer}: Pushed\n${tag}: digest: ${digest} size: 524\n`, 'stdout');
    const list = this.repoDigests.get(id) ?? [];
    if (!list.includes(`${repo}@${digest}`)) list.push(`${repo}@${digest}`);
    this.repoDigests.set(id, list);
    return { digest, size: 524 };
  }

  async pull(o: PullOptions): Promise<{ imageId: string }> {
    this.record('pull', { image: o.image, registry: o.auth?.serveraddress });
    const key = normalise(o.image);
    const id = this.images.get(key) ?? `sha256:${sha(`pulled:${o.image}`)}`;
    this.images.set(key, id);
    o.onOutput?.(`Status: Image is up to date for ${o.image}\n${o.image}\n`, 'stdout');
    return { imageId: id };
  }

  async run(o: RunOptions): Promise<RunResult> {
    const { onOutput, signal, ...rest } = o;
    this.record('run', rest);
    const containerId = sha(`container:${o.name}:${this.calls.length}`);
    const entry = this.handlers.find((h) => h.match(o));
    const b = entry ? await entry.handler(o, this) : { exitCode: 0 };
    if (signal?.aborted) return { exitCode: 137, timedOut: false, aborted: true, containerId };
    if (o.detach) {
      this.containers.set(o.name, o.labels ?? {});
      onOutput?.(`${containerId}\n`, 'stdout');
      return { exitCode: 0, timedOut: false, aborted: false, containerId };
    }
    if (b.stdout) onOutput?.(b.stdout, 'stdout');
    if (b.stderr) onOutput?.(b.stderr, 'stderr');
    if (o.keep) this.containers.set(o.name, o.labels ?? {});
    if (b.hang) {
      return new Promise((resolve) => {
        const timer = o.timeoutMs
          ? setTimeout(() => resolve({ exitCode: 137, timedOut: true, aborted: false, containerId }), o.timeoutMs)
          : undefined;
        signal?.addEventListener(
          'abort',
          () => {
            if (timer) clearTimeout(timer);
            resolve({ exitCode: 137, timedOut: false, aborted: true, containerId });
          },
          { once: true },
        );
      });
    }
    return { exitCode: b.exitCode ?? 0, timedOut: false, aborted: false, containerId };
  }

  async createVolume(name: string): Promise<void> {
    this.record('createVolume', { name });
    if (!this.volumes.has(name)) this.volumes.set(name, new Map());
  }

  async removeVolume(name: string): Promise<void> {
    this.record('removeVolume', { name });
    this.volumes.delete(name);
  }

  async writeFilesToVolume(volume: string, files: Record<string, Buffer | string | VolumeFile>): Promise<void> {
    this.record('writeFilesToVolume', { volume, names: Object.keys(files) });
    const v = this.volumes.get(volume);
    if (!v) throw new DockyardError('EngineOperationFailed', `no such volume: ${volume}`);
    for (const [name, f] of Object.entries(files)) {
      const content = Buffer.isBuffer(f) || typeof f === 'string' ? f : f.content;
      v.set(name.replace(/^\/+/, ''), Buffer.from(content));
    }
  }

  async copyDirToVolume(volume: string, hostDir: string, subPath?: string): Promise<void> {
    this.record('copyDirToVolume', { volume, hostDir, subPath });
    const v = this.volumes.get(volume);
    if (!v) throw new DockyardError('EngineOperationFailed', `no such volume: ${volume}`);
    for (const file of await listFiles(hostDir)) {
      const rel = relative(hostDir, file).split('\\').join('/');
      v.set(subPath ? `${subPath.replace(/^\/+|\/+$/g, '')}/${rel}` : rel, await readFile(file));
    }
  }

  async removeContainer(name: string, force = true): Promise<void> {
    this.record('removeContainer', { name, force });
    this.containers.delete(name);
  }

  async removeContainersByLabel(key: string, value: string): Promise<number> {
    this.record('removeContainersByLabel', { key, value });
    const names = [...this.containers.entries()].filter(([, l]) => l[key] === value).map(([n]) => n);
    for (const n of names) this.containers.delete(n);
    return names.length;
  }

  async inspectImage(ref: string): Promise<ImageInfo> {
    const id = ref.startsWith('sha256:')
      ? [...this.images.values()].find((v) => v === ref)
      : this.images.get(normalise(ref));
    if (!id) return { exists: false, repoTags: [], repoDigests: [], labels: {} };
    const tags = [...this.images.entries()].filter(([, v]) => v === id).map(([k]) => k);
    return { exists: true, id, repoTags: tags, repoDigests: this.repoDigests.get(id) ?? [], labels: {} };
  }

  async tagImage(src: string, dst: string): Promise<void> {
    this.record('tagImage', { src, dst });
    const id = this.images.get(normalise(src));
    if (!id) throw new DockyardError('EngineImageNotFound', `No such image: ${src}`);
    this.images.set(normalise(dst), id);
  }

  async removeImage(ref: string): Promise<void> {
    this.record('removeImage', { ref });
    this.images.delete(normalise(ref));
  }

  async imageDigestFor(ref: string, registryHost: string): Promise<string | undefined> {
    const info = await this.inspectImage(ref);
    const d = info.repoDigests.find((x) => parseImageRef(x).registry === registryHost);
    return d?.slice(d.indexOf('@') + 1);
  }

  async loadImageArchive(tarPath: string): Promise<string[]> {
    this.record('loadImageArchive', { tarPath });
    return [];
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    if ((await stat(p)).isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

async function dirSize(dir: string): Promise<number> {
  let n = 0;
  for (const f of await listFiles(dir).catch(() => [] as string[])) n += (await stat(f)).size;
  return n;
}
