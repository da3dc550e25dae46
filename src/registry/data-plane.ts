import type { IncomingMessage, ServerResponse } from 'node:http';
import { DockyardError } from '../shared/index.js';
import { authorize, blockedError, gateNetwork, type Scope } from './access-control.js';
import { isRepositoryName, validateRepositoryName } from './names.js';
import { sendError, sendJson, toRegistryError } from './http-util.js';
import { deleteBlob, getBlob } from './blob-handlers.js';
import { cancelUpload, finishUpload, patchUpload, startUpload, uploadStatus } from './upload-handlers.js';
import { deleteManifest, getManifest, putManifest } from './manifest-handlers.js';
import { catalog, listTags, referrers } from './listing-handlers.js';
import { exchange, getToken, postToken } from './token-handlers.js';
import { handleAcrApi } from './acr-api-handlers.js';
import type { RegistryDeps, RequestContext } from './context.js';
import type { RegistryInfo } from './ports.js';

type Handler = (ctx: RequestContext, ...params: string[]) => Promise<void>;
interface Route {
  re: RegExp;
  /** The route's label in metrics (bounded: never the repository name or digest). */
  template: string;
  methods: Record<string, { handler: Handler; action: string | null }>;
}

const repoScope = (name: string, action: string): Scope => ({ type: 'repository', name, actions: [action] });

// Order matters: `blobs/uploads` before `blobs/<digest>`. The repository name is the greedy first group.
const ROUTES: Route[] = [
  {
    re: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    template: '/v2/<name>/manifests/<reference>',
    methods: {
      GET: { handler: getManifest, action: 'pull' },
      HEAD: { handler: getManifest, action: 'pull' },
      PUT: { handler: putManifest, action: 'push' },
      DELETE: { handler: deleteManifest, action: 'delete' },
    },
  },
  {
    re: /^\/v2\/(.+)\/blobs\/uploads\/?$/,
    template: '/v2/<name>/blobs/uploads/',
    methods: { POST: { handler: startUpload, action: 'push' } },
  },
  {
    re: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    template: '/v2/<name>/blobs/uploads/<uuid>',
    methods: {
      GET: { handler: uploadStatus, action: 'push' },
      PATCH: { handler: patchUpload, action: 'push' },
      PUT: { handler: finishUpload, action: 'push' },
      DELETE: { handler: cancelUpload, action: 'push' },
    },
  },
  {
    re: /^\/v2\/(.+)\/blobs\/([^/]+)$/,
    template: '/v2/<name>/blobs/<digest>',
    methods: {
      GET: { handler: getBlob, action: 'pull' },
      HEAD: { handler: getBlob, action: 'pull' },
      DELETE: { handler: deleteBlob, action: 'delete' },
    },
  },
  {
    re: /^\/v2\/(.+)\/tags\/list$/,
    template: '/v2/<name>/tags/list',
    methods: { GET: { handler: listTags, action: 'pull' } },
  },
  {
    re: /^\/v2\/(.+)\/referrers\/([^/]+)$/,
    template: '/v2/<name>/referrers/<digest>',
    methods: { GET: { handler: referrers, action: 'pull' } },
  },
];

const FIXED_PATHS = new Set(['/v2/', '/v2/_catalog', '/oauth2/token', '/oauth2/exchange']);

/**
 * The route template a raw request URL falls under, for metrics labels: a small fixed set whatever the client sends
 * (`<unmatched>` for anything else), so a scraper never sees repository names, digests or hostile paths.
 */
export function dataPlaneRoute(rawUrl: string | undefined): string {
  const raw = rawUrl ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  if (path === '/v2') return '/v2/';
  if (FIXED_PATHS.has(path)) return path;
  if (path.startsWith('/acr/v1/')) return '/acr/v1/*';
  if (path.startsWith('/v2/')) for (const r of ROUTES) if (r.re.test(path)) return r.template;
  return '<unmatched>';
}

export interface DataPlane {
  (registryName: string, req: IncomingMessage, res: ServerResponse): void;
  /** Aborts every request in flight (server shutdown): handlers stop at their next check. */
  abortAll(): void;
}

/** What the data plane shares between its requests: shutdown state and the abort controllers handed out. */
interface PlaneState {
  stopping: boolean;
  inflight: Set<AbortController>;
}

/**
 * One data-plane request. Its `url` (query parameters) and `signal` are made on first use: the hot reads (blob and
 * manifest GETs, `/v2/`) never ask, and an AbortController and a close listener per request cost more than the rest
 * of `/v2/`.
 */
class DataPlaneRequest implements RequestContext {
  principal: RequestContext['principal'] = null;
  access: RequestContext['access'] = [];
  network?: RequestContext['network'];
  private controller?: AbortController;
  private parsedUrl?: URL;

  constructor(
    readonly deps: RegistryDeps,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly plane: PlaneState,
    public registry: RegistryInfo,
  ) {}

  get url(): URL {
    return (this.parsedUrl ??= new URL(this.req.url ?? '/', 'http://registry.local'));
  }

  /** The response closed before it finished: the client went away (Node marks a closed response destroyed). */
  get gone(): boolean {
    return this.res.destroyed && !this.res.writableFinished;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      const ac = (this.controller = new AbortController());
      const { res, plane } = this;
      if (plane.stopping) ac.abort('shutdown');
      else if (this.gone) ac.abort('client gone');
      else if (!res.destroyed) {
        plane.inflight.add(ac);
        res.once('close', () => {
          plane.inflight.delete(ac);
          if (!res.writableFinished) ac.abort('client gone');
        });
      }
    }
    return this.controller.signal;
  }

  /** True when the work was given up: the client went away or the server is stopping. */
  get aborted(): boolean {
    return this.gone || this.plane.stopping || (this.controller?.signal.aborted ?? false);
  }
}

/** Creates the handler for every registry listener: `(registryName, req, res)`. */
export function createDataPlane(deps: RegistryDeps): DataPlane {
  const plane: PlaneState = { stopping: false, inflight: new Set() };
  const handler = (registryName: string, req: IncomingMessage, res: ServerResponse): void => {
    void serve(new DataPlaneRequest(deps, req, res, plane, NO_REGISTRY), registryName);
  };
  return Object.assign(handler, {
    abortAll() {
      plane.stopping = true;
      for (const ac of plane.inflight) ac.abort('shutdown');
    },
  });
}

/** Placeholder until the registry is looked up (never used for a decision: the lookup fails or replaces it). */
const NO_REGISTRY: RegistryInfo = { id: '', name: '', loginServer: '', adminUserEnabled: false };

async function serve(ctx: DataPlaneRequest, registryName: string): Promise<void> {
  const { deps, req, res } = ctx;
  res.setHeader('docker-distribution-api-version', 'registry/2.0');
  let found = false;
  try {
    const registry = await deps.directory.byName(registryName);
    if (!registry) throw new DockyardError('NAME_UNKNOWN', 'registry not found');
    ctx.registry = registry;
    found = true;
    await route(ctx);
  } catch (err) {
    if (ctx.aborted) {
      deps.stats.abandoned++;
      res.destroy();
      return;
    }
    const e = blockedError(found ? ctx : undefined, toRegistryError(err));
    if (e.status >= 500)
      deps.log.error({ err: (err as Error).cause ?? err, url: req.url, method: req.method }, 'registry request failed');
    sendError(req, res, e);
  }
}

async function route(ctx: RequestContext): Promise<void> {
  // The raw path: URL parsing would resolve `..` segments and hide a traversal attempt from name validation.
  const raw = ctx.req.url ?? '/';
  const q = raw.indexOf('?');
  const path = decodePath(q < 0 ? raw : raw.slice(0, q));
  const method = ctx.req.method ?? 'GET';
  await gateNetwork(ctx, path);
  if (path === '/v2/' || path === '/v2') {
    if (method !== 'GET' && method !== 'HEAD') throw new DockyardError('UNSUPPORTED');
    await authorize(ctx, null);
    return sendJson(ctx.res, 200, {});
  }
  if (path === '/v2/_catalog') {
    if (method !== 'GET') throw new DockyardError('UNSUPPORTED');
    await authorize(ctx, { type: 'registry', name: 'catalog', actions: ['*'] });
    return catalog(ctx);
  }
  if (path === '/oauth2/token') {
    if (method === 'GET') return getToken(ctx);
    if (method === 'POST') return postToken(ctx);
    throw new DockyardError('UNSUPPORTED');
  }
  if (path === '/oauth2/exchange') {
    if (method === 'POST') return exchange(ctx);
    throw new DockyardError('UNSUPPORTED');
  }
  if (path.startsWith('/acr/v1/')) return handleAcrApi(ctx, path, method);
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (!m) continue;
    const entry = r.methods[method];
    if (!entry) throw new DockyardError('UNSUPPORTED', `${method} is not supported here`);
    const repository = m[1];
    validateRepositoryName(repository);
    if (entry.action) await authorize(ctx, repoScope(repository, entry.action), mountSource(method, raw, q));
    return entry.handler(ctx, repository, ...m.slice(2));
  }
  throw new DockyardError('NAME_UNKNOWN', 'not found', { detail: { path } });
}

/** A cross-repository mount (`POST .../blobs/uploads/?mount=&from=`) also needs pull on `from`: say so in the challenge. */
function mountSource(method: string, raw: string, q: number): Scope[] {
  if (method !== 'POST' || q < 0) return [];
  const params = new URLSearchParams(raw.slice(q + 1));
  const from = params.get('from');
  return params.get('mount') && from && isRepositoryName(from)
    ? [{ type: 'repository', name: from, actions: ['pull'] }]
    : [];
}

function decodePath(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw new DockyardError('NAME_INVALID', 'invalid path encoding');
  }
}
