import type { Kysely } from 'kysely';
import { DockyardError } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import type { SecretCipher } from '../shared/index.js';
import { validateActions, validateScope, validateStatus, validateWebhookName, type WebhookAction } from './scope.js';
import type { TargetPolicy } from './target-policy.js';
import type { WebhookTables } from './tables.js';

/** ACR's webhook limits per SKU (usage name `Webhooks`). */
export const WEBHOOK_LIMITS: Record<string, number> = { Basic: 2, Standard: 10, Premium: 500 };
export const webhookLimit = (sku: string): number => WEBHOOK_LIMITS[sku] ?? WEBHOOK_LIMITS.Basic;

export interface WebhookRegistry {
  id: string;
  name: string;
  sku: string;
  location: string;
}

export interface Webhook {
  id: string;
  name: string;
  registry: string;
  location: string;
  tags: Record<string, string>;
  status: 'enabled' | 'disabled';
  scope: string;
  actions: WebhookAction[];
  createdAt: string;
}

export interface WebhookInput {
  location?: string;
  tags?: Record<string, string>;
  serviceUri?: string;
  customHeaders?: Record<string, string>;
  status?: string;
  scope?: string;
  actions?: unknown;
}

type Row = WebhookTables['webhooks'];

const toWebhook = (r: Row): Webhook => ({
  id: r.id,
  name: r.name,
  registry: r.registry_lower,
  location: r.location,
  tags: JSON.parse(r.tags) as Record<string, string>,
  status: r.status as Webhook['status'],
  scope: r.scope,
  actions: JSON.parse(r.actions) as WebhookAction[],
  createdAt: r.created_at,
});

function headersOf(h: unknown): Record<string, string> {
  if (h === undefined || h === null) return {};
  if (typeof h !== 'object' || Array.isArray(h))
    throw new DockyardError('InvalidParameter', "'customHeaders' must be an object of header names to values.");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) || /[\r\n]/.test(String(v)))
      throw new DockyardError('InvalidParameter', `The custom header '${k}' is not a valid HTTP header.`);
    out[k] = String(v);
  }
  return out;
}

/** Webhook definitions. The service URI and custom headers are secrets: sealed at rest, returned only by `callbackConfig`. */
export class WebhookStore {
  private readonly db: Kysely<WebhookTables>;
  constructor(
    db: SqlDatabase,
    private readonly cipher: SecretCipher,
    private readonly policy: TargetPolicy,
  ) {
    this.db = db as Kysely<WebhookTables>;
  }

  private seal = (r: { id_lower: string }, what: string, value: string) =>
    this.cipher.encrypt(value, `webhook:${r.id_lower}:${what}`);
  private open = (r: { id_lower: string }, what: string, value: string) =>
    this.cipher.decrypt(value, `webhook:${r.id_lower}:${what}`);

  private async row(registry: WebhookRegistry, name: string): Promise<Row | undefined> {
    return this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id_lower', '=', `${registry.id}/webhooks/${name}`.toLowerCase())
      .executeTakeFirst();
  }

  async get(registry: WebhookRegistry, name: string): Promise<Webhook> {
    const r = await this.row(registry, name);
    if (!r)
      throw new DockyardError(
        'ResourceNotFound',
        `The Resource 'Microsoft.ContainerRegistry/registries/${registry.name}/webhooks/${name}' was not found.`,
      );
    return toWebhook(r);
  }

  async list(registry: WebhookRegistry): Promise<Webhook[]> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('registry_lower', '=', registry.name.toLowerCase())
      .orderBy('name')
      .execute();
    return rows.map(toWebhook);
  }

  async count(registryName: string): Promise<number> {
    const r = await this.db
      .selectFrom('webhooks')
      .select((eb) => eb.fn.countAll<number>().as('c'))
      .where('registry_lower', '=', registryName.toLowerCase())
      .executeTakeFirstOrThrow();
    return Number(r.c);
  }

  /** Enabled webhooks of a registry with their secrets (delivery only). */
  async forDelivery(
    registryName: string,
  ): Promise<Array<Webhook & { serviceUri: string; customHeaders: Record<string, string> }>> {
    const rows = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('registry_lower', '=', registryName.toLowerCase())
      .where('status', '=', 'enabled')
      .execute();
    return rows.map((r) => ({ ...toWebhook(r), ...this.secretsOf(r) }));
  }

  private secretsOf(r: Row): { serviceUri: string; customHeaders: Record<string, string> } {
    return {
      serviceUri: this.open(r, 'uri', r.service_uri),
      customHeaders: JSON.parse(this.open(r, 'headers', r.custom_headers)) as Record<string, string>,
    };
  }

  async callbackConfig(
    registry: WebhookRegistry,
    name: string,
  ): Promise<{ serviceUri: string; customHeaders: Record<string, string> }> {
    const r = await this.row(registry, name);
    if (!r)
      throw new DockyardError(
        'ResourceNotFound',
        `The Resource 'Microsoft.ContainerRegistry/registries/${registry.name}/webhooks/${name}' was not found.`,
      );
    return this.secretsOf(r);
  }

  async secretsById(
    idLower: string,
  ): Promise<{ webhook: Webhook; serviceUri: string; customHeaders: Record<string, string> } | undefined> {
    const r = await this.db.selectFrom('webhooks').selectAll().where('id_lower', '=', idLower).executeTakeFirst();
    return r ? { webhook: toWebhook(r), ...this.secretsOf(r) } : undefined;
  }

  /** PUT: creates (counted against the SKU's limit) or replaces. Returns whether it was created. */
  async put(
    registry: WebhookRegistry,
    name: string,
    input: WebhookInput,
  ): Promise<{ webhook: Webhook; created: boolean }> {
    validateWebhookName(name);
    const existing = await this.row(registry, name);
    if (!existing) {
      const limit = webhookLimit(registry.sku);
      if ((await this.count(registry.name)) >= limit) {
        throw new DockyardError(
          'QuotaExceeded',
          `Quota exceeded for resource type webhooks for the registry SKU ${registry.sku}. Learn more about different SKU quotas and upgrade process: https://docs.microsoft.com/en-us/azure/container-registry/container-registry-skus`,
        );
      }
    }
    if (!input.serviceUri && !existing)
      throw new DockyardError('InvalidParameter', "The 'serviceUri' property is required.");
    if (input.actions === undefined && !existing)
      throw new DockyardError('InvalidParameter', "The 'actions' property is required.");
    return { webhook: await this.write(registry, name, existing, input), created: !existing };
  }

  /** PATCH: only the given properties change. */
  async patch(registry: WebhookRegistry, name: string, input: WebhookInput): Promise<Webhook> {
    const existing = await this.row(registry, name);
    if (!existing)
      throw new DockyardError(
        'ResourceNotFound',
        `The Resource 'Microsoft.ContainerRegistry/registries/${registry.name}/webhooks/${name}' was not found.`,
      );
    return this.write(registry, name, existing, input);
  }

  private async write(
    registry: WebhookRegistry,
    name: string,
    existing: Row | undefined,
    input: WebhookInput,
  ): Promise<Webhook> {
    const id = existing?.id ?? `${registry.id}/webhooks/${name}`;
    const key = { id_lower: id.toLowerCase() };
    // Refused before anything is stored or sent: the URI's host must be loopback or on the operator's allow-list.
    if (input.serviceUri !== undefined) this.policy.checkUri(input.serviceUri);
    const row: Row = {
      id,
      id_lower: key.id_lower,
      registry_lower: registry.name.toLowerCase(),
      name: existing?.name ?? name,
      location: existing?.location ?? input.location ?? registry.location,
      tags: input.tags !== undefined ? JSON.stringify(input.tags) : (existing?.tags ?? '{}'),
      status: input.status !== undefined ? validateStatus(input.status) : (existing?.status ?? 'enabled'),
      scope: input.scope !== undefined ? validateScope(input.scope) : (existing?.scope ?? ''),
      actions: input.actions !== undefined ? JSON.stringify(validateActions(input.actions)) : existing!.actions,
      service_uri: input.serviceUri !== undefined ? this.seal(key, 'uri', input.serviceUri) : existing!.service_uri,
      custom_headers:
        input.customHeaders !== undefined
          ? this.seal(key, 'headers', JSON.stringify(headersOf(input.customHeaders)))
          : (existing?.custom_headers ?? this.seal(key, 'headers', '{}')),
      created_at: existing?.created_at ?? new Date().toISOString(),
    };
    if (existing) await this.db.updateTable('webhooks').set(row).where('id_lower', '=', key.id_lower).execute();
    else await this.db.insertInto('webhooks').values(row).execute();
    return toWebhook(row);
  }

  async delete(registry: WebhookRegistry, name: string): Promise<boolean> {
    const idLower = `${registry.id}/webhooks/${name}`.toLowerCase();
    await this.db.deleteFrom('webhook_events').where('webhook_id_lower', '=', idLower).execute();
    const r = await this.db.deleteFrom('webhooks').where('id_lower', '=', idLower).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** A deleted registry takes its webhooks and their delivery history with it. */
  async purgeRegistry(registryName: string): Promise<void> {
    const ids = (
      await this.db
        .selectFrom('webhooks')
        .select('id_lower')
        .where('registry_lower', '=', registryName.toLowerCase())
        .execute()
    ).map((r) => r.id_lower);
    if (ids.length) await this.db.deleteFrom('webhook_events').where('webhook_id_lower', 'in', ids).execute();
    await this.db.deleteFrom('webhooks').where('registry_lower', '=', registryName.toLowerCase()).execute();
  }
}
