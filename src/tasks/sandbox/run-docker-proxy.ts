import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkBuildQuery,
  checkContainerCreate,
  checkExecCreate,
  checkVolumeCreate,
  classify,
  imageKey,
  PolicyDenied,
  RUN_LABEL,
  scopedFilters,
  type OwnershipLookup,
  type Route,
  type RunScope,
} from './policy.js';
import { forwardHeaders, parseObject, rawError, rawRequestHead, readBounded, upstreamJson } from './upstream.js';

const CREATE_BODY_LIMIT = 1024 * 1024;
const LIST_BODY_LIMIT = 16 * 1024 * 1024;

export interface RunDockerProxyOptions extends Omit<RunScope, 'proxySocketPath'> {
  /** The real (private) daemon's socket. */
  upstreamSocket: string;
  /** Parent of the per-run 0700 socket directory (short: unix socket paths must stay under 108 bytes). */
  baseDir?: string;
  /** Images every run may use without pulling them (the offline library). */
  isSharedImage?(ref: string): boolean;
  /** Told about each refused request (the runner writes it to the run log). */
  onDenied?(message: string): void;
}

type Prepared =
  | { path: string; body?: Buffer; after?: (status: number, tail: string) => void; filterList?: boolean }
  | { status: number; message: string };

async function socketDir(baseDir?: string): Promise<string> {
  for (const base of [baseDir, '/run/dockyard/runs', join(tmpdir(), 'dkyr')]) {
    if (!base) continue;
    try {
      await mkdir(base, { recursive: true, mode: 0o700 });
      return await mkdtemp(join(base, 'r-')); // mkdtemp: mode 0700
    } catch {
      /* next base */
    }
  }
  throw new Error('no writable directory for the run Docker API socket');
}

/**
 * The Docker API a run's step containers see: a unix socket per run that forwards to the private daemon what the run
 * may do (its own containers, volumes and images) and refuses everything else (docs/designs/security-model.md).
 */
export class RunDockerProxy {
  private readonly owned = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private closed = false;

  private constructor(
    private readonly opts: RunDockerProxyOptions,
    readonly dir: string,
    readonly socketPath: string,
    private readonly server: Server,
  ) {}

  static async start(opts: RunDockerProxyOptions): Promise<RunDockerProxy> {
    const dir = await socketDir(opts.baseDir);
    const socketPath = join(dir, 'docker.sock');
    const server = createServer();
    const proxy = new RunDockerProxy(opts, dir, socketPath, server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void proxy.handle(req, res));
    server.on(
      'upgrade',
      (req: IncomingMessage, socket: Socket, head: Buffer) => void proxy.handleUpgrade(req, socket, head),
    );
    server.on('connection', (s: Socket) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
    await chmod(socketPath, 0o666); // reachable only through the bind mount: the directory is 0700
    return proxy;
  }

  get scope(): RunScope {
    return {
      runKey: this.opts.runKey,
      workspaceRoot: this.opts.workspaceRoot,
      allowPrivileged: this.opts.allowPrivileged,
      proxySocketPath: this.socketPath,
    };
  }

  /** Records an image as the run's (built or pulled by the runner's own steps). */
  ownImage(ref: string): void {
    this.owned.add(imageKey(ref));
  }

  ownsImage(ref: string): boolean {
    return this.owned.has(imageKey(ref));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
    await rm(this.dir, { recursive: true, force: true });
  }

  // ---- ownership -------------------------------------------------------------------------------------------------

  private readonly lookup: OwnershipLookup = {
    ownContainer: async (ref) => (await this.container(ref)).id,
    volume: async (name) => {
      const r = await upstreamJson(this.opts.upstreamSocket, 'GET', `/volumes/${encodeURIComponent(name)}`);
      if (r.status === 404) return 'missing';
      return ((r.json?.Labels ?? {}) as Record<string, string>)[RUN_LABEL] === this.opts.runKey ? 'own' : 'foreign';
    },
  };

  /** Resolves a container name/id/prefix: its full id when it is this run's; `exists` tells foreign from absent. */
  private async container(ref: string): Promise<{ id: string | null; exists: boolean }> {
    const r = await upstreamJson(this.opts.upstreamSocket, 'GET', `/containers/${encodeURIComponent(ref)}/json`);
    if (r.status !== 200 || !r.json) return { id: null, exists: r.status !== 404 };
    const labels = ((r.json.Config as Record<string, unknown> | undefined)?.Labels ?? {}) as Record<string, string>;
    return { id: labels[RUN_LABEL] === this.opts.runKey ? String(r.json.Id) : null, exists: true };
  }

  private usableImage(ref: string): boolean {
    return this.ownsImage(ref) || this.shared(ref);
  }

  private shared(ref: string): boolean {
    return Boolean(this.opts.isSharedImage?.(ref) || this.opts.isSharedImage?.(imageKey(ref)));
  }

  // ---- request handling ------------------------------------------------------------------------------------------

  /** Checks a request and works out what to forward; throws PolicyDenied. */
  private async prepare(req: IncomingMessage, route: Route, url: URL): Promise<Prepared> {
    const q = url.searchParams;
    const withQuery = (p: string) => (q.toString() ? `${p}?${q.toString()}` : p);
    const version = /^\/v\d+\.\d+/.exec(url.pathname)?.[0] ?? '';
    switch (route.kind) {
      case 'open':
        return { path: withQuery(url.pathname) };
      case 'containerList':
      case 'volumeList':
        q.set('filters', scopedFilters(q.get('filters'), this.opts.runKey));
        return { path: withQuery(url.pathname) };
      case 'containerCreate': {
        const body = parseObject(await readBounded(req, CREATE_BODY_LIMIT));
        const image = String(body.Image ?? '');
        // Images cached by other runs are not handed out: the client pulls them (the registry checks its rights).
        if (image && !this.usableImage(image)) return { status: 404, message: `No such image: ${image}` };
        const { createVolumes } = await checkContainerCreate(body, this.scope, this.lookup);
        for (const v of createVolumes)
          await upstreamJson(this.opts.upstreamSocket, 'POST', '/volumes/create', {
            Name: v,
            Labels: { [RUN_LABEL]: this.opts.runKey },
          });
        return { path: withQuery(url.pathname), body: Buffer.from(JSON.stringify(body)) };
      }
      case 'container': {
        const c = await this.container(route.id);
        if (!c.id)
          return c.exists
            ? this.denied(
                `container '${route.id}' belongs to another run: steps may only use their own run's containers`,
              )
            : { status: 404, message: `No such container: ${route.id}` };
        const path = withQuery(`${version}/containers/${c.id}${route.suffix ? `/${route.suffix}` : ''}`);
        if (route.suffix === 'exec') {
          const body = parseObject(await readBounded(req, CREATE_BODY_LIMIT));
          checkExecCreate(body, this.scope);
          return { path, body: Buffer.from(JSON.stringify(body)) };
        }
        return { path };
      }
      case 'exec': {
        const e = await upstreamJson(this.opts.upstreamSocket, 'GET', `/exec/${encodeURIComponent(route.id)}/json`);
        if (e.status === 404) return { status: 404, message: `No such exec instance: ${route.id}` };
        const owner = e.json?.ContainerID ? (await this.container(String(e.json.ContainerID))).id : null;
        if (!owner) return this.denied(`exec instance '${route.id}' belongs to another run`);
        return { path: withQuery(url.pathname) };
      }
      case 'build': {
        checkBuildQuery(q);
        const tags = q.getAll('t');
        return { path: withQuery(url.pathname), after: (status, tail) => this.afterBuild(status, tail, tags) };
      }
      case 'imagePull': {
        if (q.get('fromSrc')) return this.denied('importing images (fromSrc) is not allowed');
        const from = q.get('fromImage') ?? '';
        const tag = q.get('tag');
        const ref = tag ? (tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`) : from;
        return {
          path: withQuery(url.pathname),
          after: (status, tail) => status === 200 && !/"error(Detail)?"\s*:/.test(tail) && this.ownImage(ref),
        };
      }
      case 'imageList':
        return { path: withQuery(url.pathname), filterList: true };
      case 'image':
        return this.prepareImage(route, url, withQuery);
      case 'volumeCreate': {
        const body = parseObject(await readBounded(req, CREATE_BODY_LIMIT));
        checkVolumeCreate(body, this.scope);
        if (body.Name && (await this.lookup.volume(String(body.Name))) === 'foreign')
          return this.denied(`volume '${String(body.Name)}' belongs to another run`);
        return { path: withQuery(url.pathname), body: Buffer.from(JSON.stringify(body)) };
      }
      case 'volume': {
        const state = await this.lookup.volume(route.name);
        if (state === 'missing') return { status: 404, message: `get ${route.name}: no such volume` };
        if (state === 'foreign')
          return this.denied(
            `volume '${route.name}' belongs to another run: steps may only use their own run's volumes`,
          );
        return { path: withQuery(url.pathname) };
      }
    }
  }

  private prepareImage(route: Extract<Route, { kind: 'image' }>, url: URL, withQuery: (p: string) => string): Prepared {
    const q = url.searchParams;
    const name = route.op === 'push' && q.get('tag') ? `${route.name}:${q.get('tag')}` : route.name;
    const readOnly = route.op === 'json' || route.op === 'history';
    if (!(this.ownsImage(name) || ((readOnly || route.op === 'tag') && this.shared(name)))) {
      if (readOnly) return { status: 404, message: `No such image: ${name}` };
      return this.denied(
        `image '${name}' was not built or pulled by this run: steps may only ${route.op} their own run's images`,
      );
    }
    if (route.op === 'tag') {
      const repo = q.get('repo') ?? '';
      const target = `${repo}:${q.get('tag') || 'latest'}`;
      return { path: withQuery(url.pathname), after: (status) => status < 300 && this.ownImage(target) };
    }
    return { path: withQuery(url.pathname) };
  }

  private afterBuild(status: number, tail: string, tags: string[]): void {
    if (status !== 200 || /"error(Detail)?"\s*:/.test(tail)) return;
    for (const t of tags) this.ownImage(t);
    const id =
      /"aux":\{"ID":"sha256:([0-9a-f]{64})"\}/.exec(tail)?.[1] ??
      /Successfully built ([0-9a-f]{12,64})/.exec(tail)?.[1];
    if (id) this.ownImage(id);
  }

  private denied(message: string): never {
    throw new PolicyDenied(message);
  }

  private refuse(err: unknown): { status: number; message: string } {
    if (err instanceof PolicyDenied) {
      if (err.status === 403) this.opts.onDenied?.(err.message);
      return { status: err.status, message: err.message };
    }
    return { status: 502, message: `run Docker API proxy: ${(err as Error).message}` };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://docker');
    let prep: Prepared;
    try {
      prep = await this.prepare(req, classify(req.method ?? 'GET', url.pathname), url);
    } catch (err) {
      prep = this.refuse(err);
    }
    if ('status' in prep) {
      req.resume();
      res
        .writeHead(prep.status, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ message: prep.message })}\n`);
      return;
    }
    const p = prep;
    const up = request(
      { socketPath: this.opts.upstreamSocket, method: req.method, path: p.path, headers: forwardHeaders(req, p.body) },
      (ures) => {
        if (p.filterList) return void this.filterImageList(ures, res);
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        res.flushHeaders(); // `wait` answers its headers at once and the body at exit: the docker CLI starts after them
        let tail = '';
        if (p.after) ures.on('data', (c: Buffer) => (tail = (tail + c.toString('utf8')).slice(-4096)));
        ures.on('end', () => p.after?.(ures.statusCode ?? 0, tail));
        ures.pipe(res);
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent)
        res
          .writeHead(502, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: `docker daemon: ${err.message}` }));
      else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    if (p.body) up.end(p.body);
    else req.pipe(up);
  }

  /** `GET /images/json` answers only the run's own images and the shared (library) ones. */
  private filterImageList(ures: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    ures.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= LIST_BODY_LIMIT) chunks.push(c);
    });
    ures.on('end', () => {
      let list: Array<{ Id?: string; RepoTags?: string[] | null }> = [];
      try {
        list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof list;
      } catch {
        list = [];
      }
      const mine = Array.isArray(list)
        ? list.filter(
            (i) =>
              (i.RepoTags ?? []).some((t) => this.usableImage(t)) ||
              this.ownsImage(String(i.Id ?? '').replace(/^sha256:/, '')),
          )
        : [];
      res.writeHead(ures.statusCode ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(mine));
    });
  }

  /** attach / exec start: checked like any request, then the raw sockets are piped both ways. */
  private async handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://docker');
    let prep: Prepared;
    try {
      const route = classify(req.method ?? 'GET', url.pathname);
      const hijackable =
        (route.kind === 'container' && route.suffix === 'attach') ||
        (route.kind === 'exec' && route.suffix === 'start');
      if (!hijackable)
        throw new PolicyDenied(`the run-scoped Docker API does not allow upgrading ${req.method} ${url.pathname}`);
      prep = await this.prepare(req, route, url);
    } catch (err) {
      prep = this.refuse(err);
    }
    if ('status' in prep) return rawError(socket, prep.status, prep.message);
    const up = connect(this.opts.upstreamSocket);
    up.on('error', () => socket.destroy());
    socket.on('close', () => up.destroy());
    up.on('close', () => socket.destroy());
    up.write(rawRequestHead(req, prep.path));
    if (head.length) up.write(head);
    socket.pipe(up);
    up.pipe(socket);
  }
}
