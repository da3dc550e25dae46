import { ApiError } from './api.js';
import { loadSession } from './session.js';

export interface TagInfo {
  name: string;
  digest: string;
  createdTime: string;
  lastUpdateTime: string;
  changeableAttributes?: Record<string, boolean>;
}

/**
 * The registry's own token flow, through the same-origin proxy (/dashboard/registry/<name>/...): exchange the AAD
 * token for a refresh token, then a scoped access token, then call the data plane with it.
 */
export class RegistryClient {
  private refresh: string | null = null;
  private readonly access = new Map<string, string>();

  constructor(
    readonly name: string,
    readonly loginServer: string,
  ) {}

  private base(): string {
    return `/dashboard/registry/${encodeURIComponent(this.name)}`;
  }

  private async form(path: string, params: Record<string, string | string[]>): Promise<Record<string, string>> {
    const f = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) f.append(k, x);
    const res = await fetch(`${this.base()}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: f,
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const errs = body.errors as Array<{ code: string; message: string }> | undefined;
      throw new ApiError(
        res.status,
        errs?.[0]?.code ?? String(body.error ?? res.status),
        errs?.[0]?.message ?? String(body.error_description ?? res.statusText),
      );
    }
    return body as Record<string, string>;
  }

  private async token(scope: string): Promise<string> {
    const cached = this.access.get(scope);
    if (cached) return cached;
    const s = loadSession();
    if (!s) throw new ApiError(401, 'NotSignedIn', 'Please sign in.');
    if (!this.refresh) {
      const r = await this.form('/oauth2/exchange', {
        grant_type: 'access_token',
        service: this.loginServer,
        tenant: s.tenantId,
        access_token: s.armToken,
      });
      this.refresh = r.refresh_token;
    }
    const t = await this.form('/oauth2/token', {
      grant_type: 'refresh_token',
      service: this.loginServer,
      scope,
      refresh_token: this.refresh,
    });
    this.access.set(scope, t.access_token);
    return t.access_token;
  }

  async get<T = any>(path: string, scope: string, accept?: string): Promise<{ body: T; headers: Headers }> {
    const tok = await this.token(scope);
    const res = await fetch(`${this.base()}${path}`, {
      headers: { 'x-registry-authorization': `Bearer ${tok}`, ...(accept ? { accept } : {}) },
    });
    const text = await res.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const e = (body as { errors?: Array<{ code: string; message: string }> } | undefined)?.errors?.[0];
      throw new ApiError(res.status, e?.code ?? `HTTP${res.status}`, e?.message ?? res.statusText);
    }
    return { body: body as T, headers: res.headers };
  }

  /** DELETE through the proxy (a tag or a manifest by digest) with a `delete`-scoped token. */
  async delete(path: string, repo: string): Promise<void> {
    const tok = await this.token(`repository:${repo}:delete`);
    const res = await fetch(`${this.base()}${path}`, {
      method: 'DELETE',
      headers: { 'x-registry-authorization': `Bearer ${tok}` },
    });
    if (!res.ok) {
      const b = (await res.json().catch(() => ({}))) as { errors?: Array<{ code: string; message: string }> };
      throw new ApiError(
        res.status,
        b.errors?.[0]?.code ?? `HTTP${res.status}`,
        b.errors?.[0]?.message ?? res.statusText,
      );
    }
    // The cached pull/metadata tokens stay valid; listings are re-read by the page.
  }

  deleteTag(repo: string, tag: string): Promise<void> {
    return this.delete(`/acr/v1/${repo}/_tags/${encodeURIComponent(tag)}`, repo);
  }

  deleteManifest(repo: string, digest: string): Promise<void> {
    return this.delete(`/v2/${repo}/manifests/${digest}`, repo);
  }

  async repositories(): Promise<string[]> {
    const r = await this.get<{ repositories: string[] | null }>('/acr/v1/_catalog', 'registry:catalog:*');
    return r.body.repositories ?? [];
  }

  async tags(repo: string): Promise<Array<TagInfo>> {
    const r = await this.get<{ tags: TagInfo[] }>(
      `/acr/v1/${repo}/_tags?orderby=timedesc`,
      `repository:${repo}:metadata_read`,
    );
    return r.body.tags ?? [];
  }

  /** A repository's attributes, with its locks (`changeableAttributes`). */
  async repository(
    repo: string,
  ): Promise<{ changeableAttributes?: Record<string, boolean> } & Record<string, unknown>> {
    return (await this.get(`/acr/v1/${repo}`, `repository:${repo}:metadata_read`)).body;
  }

  async manifest(repo: string, ref: string): Promise<{ manifest: any; digest: string; mediaType: string }> {
    const accept = [
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.docker.distribution.manifest.list.v2+json',
    ].join(', ');
    const r = await this.get(`/v2/${repo}/manifests/${encodeURIComponent(ref)}`, `repository:${repo}:pull`, accept);
    return {
      manifest: r.body,
      digest: r.headers.get('docker-content-digest') ?? '',
      mediaType: r.headers.get('content-type') ?? '',
    };
  }

  async referrers(
    repo: string,
    digest: string,
  ): Promise<Array<{ digest: string; artifactType?: string; mediaType: string; size: number }>> {
    const r = await this.get<{
      manifests?: Array<{ digest: string; artifactType?: string; mediaType: string; size: number }>;
    }>(`/v2/${repo}/referrers/${digest}`, `repository:${repo}:pull`);
    return r.body.manifests ?? [];
  }
}

const clients = new Map<string, RegistryClient>();
export function registryClient(name: string, loginServer: string): RegistryClient {
  const key = `${name}|${loginServer}|${loadSession()?.armToken.slice(-16) ?? ''}`;
  let c = clients.get(key);
  if (!c) clients.set(key, (c = new RegistryClient(name, loginServer)));
  return c;
}
