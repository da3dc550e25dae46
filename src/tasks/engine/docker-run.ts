import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type Docker from 'dockerode';
import type { OnOutput, OutputStream, RunOptions, RunResult } from './container-engine.js';
import { pullImage } from './docker-build.js';

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number }).statusCode;
const messageOf = (err: unknown): string => {
  const e = err as { json?: { message?: string }; message?: string };
  return e.json?.message ?? String(e.message ?? err).replace(/^\(HTTP code \d+\) [^-]*- /, '');
};

function outputSink(onOutput: OnOutput | undefined, stream: OutputStream): Writable {
  const dec = new StringDecoder('utf8');
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = dec.write(chunk);
      if (text) onOutput?.(text, stream);
      cb();
    },
    final(cb) {
      const text = dec.end();
      if (text) onOutput?.(text, stream);
      cb();
    },
  });
}

function portKey(spec: string): string {
  return spec.includes('/') ? spec : `${spec}/tcp`;
}

/**
 * The create-container body. On a daemon that remaps container root (`remapped`), host networking and privileged mode
 * are refused unless the container opts out of the user namespace, so those containers get `UsernsMode: host`: their
 * root is host root (docs/designs/engine-isolation.md); every other container runs as the daemon's subordinate ids.
 */
export function containerSpec(o: RunOptions, remapped = false): Docker.ContainerCreateOptions {
  const env = Array.isArray(o.env) ? o.env : Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const e of o.expose ?? []) exposed[portKey(e)] = {};
  for (const p of o.ports ?? []) {
    const parts = p.split(':');
    const container = portKey(parts[parts.length - 1]);
    const hostPort = parts.length >= 2 ? parts[parts.length - 2] : '';
    exposed[container] = {};
    (bindings[container] ??= []).push({ HostIp: '127.0.0.1', HostPort: hostPort });
  }
  const spec: Docker.ContainerCreateOptions = {
    name: o.name,
    Image: o.image,
    Env: env,
    Labels: o.labels,
    AttachStdout: !o.detach,
    AttachStderr: !o.detach,
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      NetworkMode: o.network,
      Privileged: o.privileged ?? false,
      AutoRemove: false,
      Mounts: (o.mounts ?? []).map((m) => ({
        Type: m.source.startsWith('/') ? ('bind' as const) : ('volume' as const),
        Source: m.source,
        Target: m.target,
        ReadOnly: m.readOnly ?? false,
      })),
      PortBindings: Object.keys(bindings).length ? bindings : undefined,
    },
  };
  if (remapped && (o.network === 'host' || o.privileged)) spec.HostConfig!.UsernsMode = 'host';
  if (Object.keys(exposed).length) spec.ExposedPorts = exposed;
  if (o.args) spec.Cmd = o.args;
  if (o.entrypoint !== undefined) spec.Entrypoint = Array.isArray(o.entrypoint) ? o.entrypoint : [o.entrypoint];
  if (o.workdir) spec.WorkingDir = o.workdir;
  if (o.user) spec.User = o.user;
  return spec;
}

/** The exit code `docker run` gives when the daemon refuses to start the container. */
function startFailureCode(msg: string): number {
  if (/executable file not found|no such file or directory/i.test(msg)) return 127;
  if (/permission denied/i.test(msg)) return 126;
  return 125;
}

async function createWithPull(
  docker: Docker,
  o: RunOptions,
  spec: Docker.ContainerCreateOptions,
): Promise<Docker.Container> {
  try {
    return await docker.createContainer(spec);
  } catch (err) {
    if (statusOf(err) !== 404 || !/no such image/i.test(messageOf(err))) throw err;
  }
  o.onOutput?.(`Unable to find image '${o.image}' locally\n`, 'stderr');
  await pullImage(docker, { image: o.image, auth: o.pullAuth, onOutput: o.onOutput, signal: o.signal });
  return docker.createContainer(spec);
}

/** `docker run` semantics: streams output, kills and removes the container on timeout or abort. */
export async function runContainer(docker: Docker, o: RunOptions, remapped = false): Promise<RunResult> {
  const result: RunResult = { exitCode: 0, timedOut: false, aborted: false, containerId: '' };
  if (o.signal?.aborted) return { ...result, exitCode: 137, aborted: true };
  await docker
    .getContainer(o.name)
    .remove({ force: true })
    .catch(() => undefined);
  let container: Docker.Container;
  try {
    container = await createWithPull(docker, o, containerSpec(o, remapped));
  } catch (err) {
    o.onOutput?.(`docker: Error response from daemon: ${messageOf(err)}.\n`, 'stderr');
    return { ...result, exitCode: 125 };
  }
  result.containerId = container.id;
  const cleanup = async (): Promise<void> => {
    if (!o.keep) await container.remove({ force: true, v: false }).catch(() => undefined);
  };
  let attachEnded: Promise<void> = Promise.resolve();
  if (!o.detach) {
    const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
    const out = outputSink(o.onOutput, 'stdout');
    const errSink = outputSink(o.onOutput, 'stderr');
    docker.modem.demuxStream(stream, out, errSink);
    attachEnded = new Promise<void>((res) => {
      stream.on('end', () => res());
      stream.on('close', () => res());
      stream.on('error', () => res());
    }).then(() => {
      out.end();
      errSink.end();
    });
  }
  try {
    await container.start();
  } catch (err) {
    const msg = messageOf(err);
    o.onOutput?.(`docker: Error response from daemon: ${msg}.\n`, 'stderr');
    await container.remove({ force: true }).catch(() => undefined);
    return { ...result, exitCode: startFailureCode(msg) };
  }
  if (o.detach) {
    o.onOutput?.(`${container.id}\n`, 'stdout');
    return result;
  }
  let timer: NodeJS.Timeout | undefined;
  const kill = (): void => {
    container.kill().catch(() => undefined);
  };
  if (o.timeoutMs && o.timeoutMs > 0) {
    timer = setTimeout(() => {
      result.timedOut = true;
      kill();
    }, o.timeoutMs);
  }
  const onAbort = (): void => {
    result.aborted = true;
    kill();
  };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // The signal may have fired while the container was being created or started.
  if (o.signal?.aborted) onAbort();
  try {
    const waited = (await container.wait()) as { StatusCode: number };
    result.exitCode = waited.StatusCode;
    // Drain what the attach stream still holds, but never hang on it.
    await Promise.race([attachEnded, new Promise((r) => setTimeout(r, 2000))]);
  } finally {
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    if (result.timedOut || result.aborted) await container.remove({ force: true }).catch(() => undefined);
    else await cleanup();
  }
  return result;
}
