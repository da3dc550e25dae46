import { CliError } from './errors.js';
import { authorizationHeader, refreshProfileIfNeeded } from './credentials.js';
import { resolveConnection, type Connection } from './connection.js';
import { httpText, type HttpTextResponse } from './http-request.js';

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** Return null on 404 instead of throwing. */
  allow404?: boolean;
  raw?: boolean;
  /** Return one page of an ARM list as is (nextLink included) instead of following nextLink. */
  singlePage?: boolean;
  /** Follow nextLink (with GET) after a POST list too (`listEvents`); GET lists always follow unless `singlePage`. */
  allPages?: boolean;
}

/** HTTP client for the Dockyard API. ARM/Key Vault/OAuth error bodies become `CliError(code, message)`. */
export class ApiClient {
  private info?: { tenantId: string; subscriptionId: string };

  constructor(
    readonly conn: Connection = resolveConnection(),
    private readonly debug: (msg: string) => void = () => {},
  ) {}

  get endpoint(): string {
    return this.conn.endpoint;
  }

  async request<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
    const url = new URL(path.startsWith('http') ? path : `${this.conn.endpoint}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
    await refreshProfileIfNeeded(this.conn);
    const auth = authorizationHeader(this.conn);
    if (auth && !headers.authorization) headers.authorization = auth;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    this.debug(`${opts.method ?? 'GET'} ${url.toString()}`);
    let res: HttpTextResponse;
    try {
      res = await httpText(url, { method: opts.method ?? 'GET', headers, body });
    } catch (err) {
      throw new CliError(
        'CliConnection',
        `Could not reach the Dockyard server at ${this.conn.endpoint}: ${(err as Error).message}`,
      );
    }
    this.debug(`<- ${res.status}`);
    if (opts.allow404 && res.status === 404) return null as T;
    const text = res.text;
    if (!res.ok) throw errorFromBody(res.status, text);
    if (opts.raw) return text as T;
    const parsed = (text ? JSON.parse(text) : undefined) as T;
    return ((opts.method ?? 'GET') === 'GET' || opts.allPages) && !opts.singlePage
      ? this.followNextLinks(parsed, opts)
      : parsed;
  }

  /**
   * An ARM list (`{value: [...], nextLink}`) comes a page at a time: like az, fetch every next page and return all
   * of it as one `{value}`. `$top`-limited lists stop by themselves (the server sends no nextLink past the top).
   */
  private async followNextLinks<T>(body: T, opts: RequestOptions): Promise<T> {
    const page = body as { value?: unknown; nextLink?: unknown } | undefined;
    if (
      !page ||
      typeof page !== 'object' ||
      !Array.isArray(page.value) ||
      typeof page.nextLink !== 'string' ||
      !page.nextLink
    )
      return body;
    const value = [...page.value];
    let next: string | undefined = page.nextLink;
    for (let pages = 1; next && pages < 10_000; pages++) {
      const r: { value?: unknown[]; nextLink?: string | null } = await this.request(next, {
        headers: opts.headers,
        singlePage: true,
      });
      value.push(...(r.value ?? []));
      next = r.nextLink ?? undefined;
    }
    const { nextLink: _drop, ...rest } = page;
    return { ...rest, value } as T;
  }

  async platformInfo(): Promise<{ tenantId: string; subscriptionId: string }> {
    if (!this.info) this.info = await this.request('/dockyard/v1/info');
    return this.info!;
  }

  async subscriptionId(explicit?: string): Promise<string> {
    return explicit ?? process.env.DOCKYARD_SUBSCRIPTION ?? (await this.platformInfo()).subscriptionId;
  }
}

export function errorFromBody(status: number, text: string): CliError {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const e = j.error as { code?: string; message?: string } | string | undefined;
    if (e && typeof e === 'object' && e.code) return new CliError(e.code, e.message ?? '');
    if (typeof e === 'string') return new CliError(e, String(j.error_description ?? ''));
    const errs = j.errors as Array<{ code: string; message: string }> | undefined;
    if (errs?.length) return new CliError(errs[0].code, errs[0].message);
  } catch {
    /* not JSON */
  }
  return new CliError(`Http${status}`, text || `The server answered ${status}.`);
}
