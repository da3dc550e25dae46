import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The planes a request can arrive on: the API listener (ARM, identity, vault, dashboard) or a registry listener. */
export type Plane = 'api' | 'registry';

/** State read at scrape time (one cheap query each), supplied by the composition root. */
export interface StateSources {
  /** Bytes each registry holds. */
  storageBytes?(): Promise<Map<string, number>>;
  /** Open chunked-upload sessions. */
  uploadSessions?(): Promise<number>;
  /** Runs not yet finished, by status. */
  activeRuns?(): Promise<Record<'Queued' | 'Started' | 'Running', number>>;
}

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const RUN_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const LAG_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** Process metrics (CPU, memory, event loop, GC) are per process: one registry shared by every server in it. */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface HttpSeries {
  count: ReturnType<Counter<'plane' | 'route' | 'method' | 'status'>['labels']>;
  duration: ReturnType<Histogram<'plane' | 'route' | 'method'>['labels']>;
  token?: ReturnType<Counter<'plane' | 'route'>['labels']>;
}

/**
 * Every Dockyard metric, on a private prom-client registry (so two servers in one process never share series).
 * Recording methods are what the request and run paths call: each is a map lookup plus an increment.
 * See docs/metrics.md for the list and docs/designs/operations.md for the choices.
 */
export class DockyardMetrics {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({
    name: 'dockyard_http_requests_total',
    help: 'HTTP requests answered, by plane, route template, method and status code.',
    labelNames: ['plane', 'route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'dockyard_http_request_duration_seconds',
    help: 'Time from request to the end of the response, by plane, route template and method.',
    labelNames: ['plane', 'route', 'method'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly tokensIssued = new Counter({
    name: 'dockyard_tokens_issued_total',
    help: 'Tokens issued by the token endpoints (registry /oauth2/token and /oauth2/exchange, AAD, managed identity), by endpoint.',
    labelNames: ['plane', 'route'] as const,
    registers: [this.registry],
  });
  private readonly tokenFailures = new Counter({
    name: 'dockyard_token_failures_total',
    help: 'Token requests refused (4xx/5xx), by endpoint.',
    labelNames: ['plane', 'route'] as const,
    registers: [this.registry],
  });
  private readonly bytesPushed = new Counter({
    name: 'dockyard_registry_pushed_bytes_total',
    help: 'Bytes stored by pushes (committed blob uploads and manifests), by registry and kind.',
    labelNames: ['registry', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly bytesPulled = new Counter({
    name: 'dockyard_registry_pulled_bytes_total',
    help: 'Bytes served by pulls (blob GETs, ranges included, and manifest GETs), by registry and kind.',
    labelNames: ['registry', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly uploadsInFlight = new Gauge({
    name: 'dockyard_registry_blob_uploads_in_flight',
    help: 'Blob upload requests (POST/PATCH/PUT on /blobs/uploads) being received now.',
    registers: [this.registry],
  });
  private readonly runsFinished = new Counter({
    name: 'dockyard_runs_total',
    help: 'Task runs that reached a terminal status, by status, run type and trigger.',
    labelNames: ['status', 'run_type', 'trigger'] as const,
    registers: [this.registry],
  });
  private readonly runDuration = new Histogram({
    name: 'dockyard_run_duration_seconds',
    help: 'Time from a run starting to its terminal status, by status.',
    labelNames: ['status'] as const,
    buckets: RUN_BUCKETS,
    registers: [this.registry],
  });
  private readonly queueWait = new Histogram({
    name: 'dockyard_run_queue_wait_seconds',
    help: 'Time a run waited in the queue before a worker started it.',
    buckets: WAIT_BUCKETS,
    registers: [this.registry],
  });
  private readonly triggerRuns = new Counter({
    name: 'dockyard_trigger_runs_total',
    help: 'Runs queued by triggers, by trigger kind.',
    labelNames: ['trigger'] as const,
    registers: [this.registry],
  });
  private readonly triggerLag = new Histogram({
    name: 'dockyard_trigger_lag_seconds',
    help: 'Time from the triggering event (timer occurrence, base-image push) to the run being queued, by trigger kind.',
    labelNames: ['trigger'] as const,
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });
  private readonly gcFreed = new Counter({
    name: 'dockyard_gc_freed_bytes_total',
    help: 'Bytes of blob storage freed by garbage collection.',
    registers: [this.registry],
  });
  private readonly gcBlobs = new Counter({
    name: 'dockyard_gc_deleted_blobs_total',
    help: 'Blobs deleted by garbage collection.',
    registers: [this.registry],
  });
  private readonly gcRuns = new Counter({
    name: 'dockyard_gc_runs_total',
    help: 'Garbage collection passes completed.',
    registers: [this.registry],
  });
  private readonly http = new Map<string, HttpSeries>();
  private sources: StateSources = {};
  private readonly tokenRoutes: Set<string>;
  private readonly withProcessMetrics: boolean;

  constructor(options: { tokenRoutes?: Iterable<string>; processMetrics?: boolean } = {}) {
    this.tokenRoutes = new Set(options.tokenRoutes ?? []);
    this.withProcessMetrics = options.processMetrics !== false;
    // Inside collect(), `this` is the gauge; the sources are read through this closure.
    const state = (): StateSources => this.sources;
    new Gauge({
      name: 'dockyard_registry_storage_bytes',
      help: 'Bytes each registry holds: its distinct blobs plus its manifests (a blob shared by registries counts in each).',
      labelNames: ['registry'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const bytes = await state().storageBytes?.();
        for (const [registry, n] of bytes ?? []) this.set({ registry }, n);
      },
    });
    new Gauge({
      name: 'dockyard_registry_upload_sessions',
      help: 'Chunked blob upload sessions open (started, neither finished nor cancelled).',
      registers: [this.registry],
      async collect() {
        this.set((await state().uploadSessions?.()) ?? 0);
      },
    });
    new Gauge({
      name: 'dockyard_runs_active',
      help: 'Runs not finished, by status: Queued is the queue depth; Started and Running are being executed.',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        const counts = await state().activeRuns?.();
        for (const status of ['Queued', 'Started', 'Running'] as const) this.set({ status }, counts?.[status] ?? 0);
      },
    });
  }

  /** Supplies the state read at scrape time. */
  observeState(sources: StateSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** One answered HTTP request. `route` must be a template (bounded), never a raw URL. */
  httpRequest(plane: Plane, route: string, method: string | undefined, status: number, seconds: number): void {
    const m = method && METHODS.has(method) ? method : 'OTHER';
    const key = `${plane} ${m} ${status} ${route}`;
    let s = this.http.get(key);
    if (!s) {
      s = {
        count: this.httpRequests.labels(plane, route, m, String(status)),
        duration: this.httpDuration.labels(plane, route, m),
      };
      if (this.tokenRoutes.has(route))
        s.token = (status < 400 ? this.tokensIssued : this.tokenFailures).labels(plane, route);
      this.http.set(key, s);
    }
    s.count.inc();
    s.duration.observe(seconds);
    s.token?.inc();
  }

  uploadStarted(): void {
    this.uploadsInFlight.inc();
  }

  uploadEnded(): void {
    this.uploadsInFlight.dec();
  }

  pushed(registry: string, kind: 'blob' | 'manifest', bytes: number): void {
    this.bytesPushed.inc({ registry, kind }, bytes);
  }

  pulled(registry: string, kind: 'blob' | 'manifest', bytes: number): void {
    this.bytesPulled.inc({ registry, kind }, bytes);
  }

  /** A worker claimed a run that was queued `waitSeconds` ago. */
  runStarted(waitSeconds: number): void {
    this.queueWait.observe(Math.max(0, waitSeconds));
  }

  runFinished(status: string, runType: string, trigger: string, seconds: number): void {
    this.runsFinished.inc({ status, run_type: runType, trigger });
    this.runDuration.observe({ status }, Math.max(0, seconds));
  }

  /** A trigger queued a run; `lagSeconds` when the event's time is known. */
  triggerFired(trigger: string, lagSeconds: number | null): void {
    this.triggerRuns.inc({ trigger });
    if (lagSeconds !== null) this.triggerLag.observe({ trigger }, Math.max(0, lagSeconds));
  }

  gcCompleted(result: { bytesFreed: number; blobsDeleted: number }): void {
    this.gcRuns.inc();
    if (result.bytesFreed) this.gcFreed.inc(result.bytesFreed);
    if (result.blobsDeleted) this.gcBlobs.inc(result.blobsDeleted);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async render(): Promise<{ contentType: string; body: string }> {
    const own = await this.registry.metrics();
    return {
      contentType: this.registry.contentType,
      body: this.withProcessMetrics ? `${own}\n${await processMetrics().metrics()}` : own,
    };
  }
}
