import type Docker from 'dockerode';
import { DockyardError } from '../../shared/index.js';
import type { BuildOptions, BuildResult, PullOptions, PushOptions, PushResult } from './container-engine.js';
import { packBuildContext } from './build-context.js';
import { consumeJsonStream, humanSize, JsonMessageError } from './json-message.js';
import { splitRepoTag } from './image-ref.js';

const abortError = (what: string): DockyardError => new DockyardError('EngineOperationFailed', `${what} was cancelled`);

/**
 * `docker build` with the classic builder (what ACR uses, DOCKER_BUILDKIT=0). A daemon that remaps container root
 * (`remapped`) refuses host networking for RUN instructions and the build API has no user-namespace opt-out, so there
 * RUN instructions get no network (`none`) and run as the daemon's subordinate ids; FROM pulls are the daemon's own.
 */
export async function buildImage(docker: Docker, o: BuildOptions, remapped = false): Promise<BuildResult> {
  if (o.signal?.aborted) throw abortError('build');
  const ctx = await packBuildContext(o.contextDir, o.dockerfile ?? 'Dockerfile');
  const registryconfig: Record<string, { username: string; password: string; serveraddress: string }> = {};
  for (const [host, c] of Object.entries(o.pullAuth ?? {})) {
    registryconfig[host] = { username: c.username, password: c.password, serveraddress: host };
  }
  const query: Record<string, unknown> = {
    dockerfile: ctx.dockerfileInContext,
    rm: true,
    forcerm: true,
    version: '1',
    networkmode: remapped && (o.network ?? 'host') === 'host' ? 'none' : (o.network ?? 'host'),
  };
  if (o.tags?.length) query.t = o.tags;
  if (o.buildArgs && Object.keys(o.buildArgs).length) query.buildargs = o.buildArgs;
  if (o.labels && Object.keys(o.labels).length) query.labels = o.labels;
  if (o.target) query.target = o.target;
  if (o.noCache) query.nocache = true;
  if (o.pull) query.pull = true;
  if (Object.keys(registryconfig).length) query.registryconfig = registryconfig;
  if (o.signal) query.abortSignal = o.signal;
  void ctx.bytes.then(
    (n) => o.onOutput?.(`Sending build context to Docker daemon  ${humanSize(n)}\n`, 'stdout'),
    () => undefined,
  );
  let imageId: string | undefined;
  try {
    const stream = (await docker.buildImage(
      ctx.stream,
      query as Docker.ImageBuildOptions,
    )) as unknown as NodeJS.ReadableStream;
    const aux = await consumeJsonStream(stream, (text, s) => {
      const m = /^Successfully built ([0-9a-f]{12,64})\s*$/m.exec(text);
      if (m && !imageId) imageId = m[1];
      o.onOutput?.(text, s);
    });
    const id = aux.map((a) => a.ID).find((v): v is string => typeof v === 'string');
    if (id) imageId = id;
  } catch (err) {
    if (o.signal?.aborted) throw abortError('build');
    const msg = err instanceof JsonMessageError ? err.message : (err as Error).message;
    o.onOutput?.(`${msg}\n`, 'stderr');
    throw new DockyardError('EngineBuildFailed', msg, { cause: err });
  }
  if (!imageId) throw new DockyardError('EngineBuildFailed', 'the daemon did not report an image id');
  if (!imageId.startsWith('sha256:')) imageId = (await docker.getImage(imageId).inspect()).Id;
  return { imageId };
}

/** `docker push`: output like the CLI; returns the manifest digest and size the registry accepted. */
export async function pushImage(docker: Docker, o: PushOptions): Promise<PushResult> {
  if (o.signal?.aborted) throw abortError('push');
  const { repo, tag } = splitRepoTag(o.image);
  o.onOutput?.(`The push refers to repository [${repo}]\n`, 'stdout');
  try {
    const image = docker.getImage(o.image);
    const stream = (await image.push({
      tag,
      authconfig: o.auth ?? {},
      abortSignal: o.signal,
    } as never)) as unknown as NodeJS.ReadableStream;
    const aux = await consumeJsonStream(stream, (text, s) => {
      if (text.startsWith('The push refers to repository')) return;
      o.onOutput?.(text, s);
    });
    const last = aux.find((a) => typeof a.Digest === 'string');
    if (!last) throw new DockyardError('EnginePushFailed', 'the registry did not report a digest');
    return { digest: String(last.Digest), size: Number(last.Size) };
  } catch (err) {
    if (err instanceof DockyardError) throw err;
    if (o.signal?.aborted) throw abortError('push');
    const msg = (err as Error).message.replace(/^\(HTTP code \d+\) [^-]*- /, '');
    o.onOutput?.(`${msg}\n`, 'stderr');
    throw new DockyardError('EnginePushFailed', msg, { cause: err });
  }
}

/** `docker pull`. */
export async function pullImage(docker: Docker, o: PullOptions): Promise<{ imageId: string }> {
  if (o.signal?.aborted) throw abortError('pull');
  const { repo, tag } = splitRepoTag(o.image);
  const at = o.image.indexOf('@');
  const query: Record<string, unknown> = at >= 0 ? { fromImage: o.image } : { fromImage: repo, tag };
  try {
    const stream = (await docker.createImage(
      (o.auth ?? {}) as Docker.AuthConfig,
      { ...query, abortSignal: o.signal } as never,
    )) as unknown as NodeJS.ReadableStream;
    await consumeJsonStream(stream, o.onOutput);
  } catch (err) {
    if (o.signal?.aborted) throw abortError('pull');
    const msg = (err as Error).message.replace(/^\(HTTP code \d+\) [^-]*- /, '');
    o.onOutput?.(`Error response from daemon: ${msg}\n`, 'stderr');
    throw new DockyardError('EnginePullFailed', msg, { cause: err });
  }
  o.onOutput?.(`${at >= 0 ? o.image : `${repo}:${tag}`}\n`, 'stdout');
  const info = await docker.getImage(o.image).inspect();
  return { imageId: info.Id };
}
