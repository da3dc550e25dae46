import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { ClusterWiring } from './wire-cluster.js';
import type { FastifyInstance } from 'fastify';
import { API_VERSIONS, type Registries, type ResourceDeletedListener } from '../arm/index.js';
import type { DockyardConfig } from '../config/index.js';
import type { Authorizer } from '../http/index.js';
import { DockyardError, type Clock, type Logger } from '../shared/index.js';
import type { SqlDatabase } from '../storage/index.js';
import { SecretCipher } from '../shared/index.js';
import {
  DEFAULT_DELIVERY,
  TargetPolicy,
  WebhookDispatcher,
  webhookArmRoutes,
  WebhookStore,
  type WebhookRegistry,
} from '../webhooks/index.js';

export interface WebhookWiring {
  store: WebhookStore;
  dispatcher: WebhookDispatcher;
  policy: TargetPolicy;
}

export interface WireWebhooksInput {
  api: FastifyInstance;
  db: SqlDatabase;
  config: DockyardConfig;
  registries: Registries;
  authorizer: Authorizer;
  clock: Clock;
  log: Logger;
  onResourceDeleted: ResourceDeletedListener[];
  onClose: Array<() => Promise<void>>;
  cluster: ClusterWiring;
}

/**
 * Webhooks: store (secrets sealed with their own key, shared by every API node; an install from before imports
 * `<dataDir>/webhooks.key`), ARM routes, delivery loop.
 */
export async function wireWebhooks(input: WireWebhooksInput): Promise<WebhookWiring> {
  const { config } = input;
  const policy = new TargetPolicy(config.webhookAllowedHosts);
  const legacy = join(config.dataDir, 'webhooks.key');
  const key = await input.cluster.keys.ensure(
    'webhooks.key',
    () => randomBytes(32).toString('base64'),
    () => (existsSync(legacy) ? readFileSync(legacy, 'utf8').trim() : undefined),
  );
  const store = new WebhookStore(input.db, new SecretCipher(Buffer.from(key, 'base64')), policy);
  const options = {
    ...DEFAULT_DELIVERY,
    maxAttempts: config.webhookMaxAttempts,
    retryBaseMs: config.webhookRetryBaseMs,
  };
  const dispatcher = new WebhookDispatcher(
    input.db,
    store,
    policy,
    input.clock,
    input.log.child({ module: 'webhooks' }),
    options,
  );
  const registry = async (sub: string, rg: string, name: string): Promise<WebhookRegistry> => {
    const r = await input.registries.find(sub, rg, name);
    if (!r)
      throw new DockyardError(
        'ResourceNotFound',
        `The Resource 'Microsoft.ContainerRegistry/registries/${name}' under resource group '${rg}' was not found.`,
      );
    return { id: r.id, name: r.name, sku: r.sku, location: r.location };
  };
  await input.api.register(
    webhookArmRoutes({
      store,
      dispatcher,
      registry,
      authorizer: input.authorizer,
      apiVersions: API_VERSIONS.registries,
    }),
  );
  input.onResourceDeleted.push(async (resourceId) => {
    const m = /\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)$/i.exec(resourceId);
    if (m) await store.purgeRegistry(m[1]);
  });
  dispatcher.start();
  input.onClose.push(() => dispatcher.stop());
  return { store, dispatcher, policy };
}
