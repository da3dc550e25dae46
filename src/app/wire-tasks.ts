import type { FastifyInstance } from 'fastify';
import type { Authorizer } from '../http/index.js';
import type { Clock, Logger, SecretCipher } from '../shared/index.js';
import { scopeContains } from '../shared/index.js';
import type { BlobStore, SqlDatabase } from '../storage/index.js';
import type { ClusterWiring } from './wire-cluster.js';
import { randomBytes } from 'node:crypto';
import type { IdentityPrincipals, Registries, ResourceDeletedListener, UserAssignedIdentities } from '../arm/index.js';
import {
  createTaskModule,
  NoEngineExecutor,
  type RunExecutor,
  type RunServices,
  type SourcePolicy,
  type TaskModule,
} from '../tasks/index.js';

export interface WireTasksInput {
  api: FastifyInstance;
  db: SqlDatabase;
  dataDir: string;
  log: Logger;
  authorizer: Authorizer;
  registries: Registries;
  identities: UserAssignedIdentities;
  principals: IdentityPrincipals;
  onResourceDeleted: ResourceDeletedListener[];
  endpoint: () => string;
  /** Base URL of the blob host (login servers by name). */
  blobBase?: () => string | undefined;
  executor?: RunExecutor;
  /** Time source for log-link expiry. */
  clock?: Clock;
  sourcePolicy: SourcePolicy;
  /** Runs executing at once (config `maxConcurrentRuns`). */
  concurrency: number;
  /** The master key (task and run secrets at rest). */
  cipher: SecretCipher;
  /** What agents may ask for their runs (the runner's identity, vault and registry-login functions). */
  runServices?: RunServices;
  /** Seconds an agent's run lease lasts without a heartbeat (config `agentLeaseSeconds`). */
  agentLeaseSeconds?: number;
  /** The shared blob store (build-source archives). */
  blobs: BlobStore;
  /** Shared keys (the upload SAS key) and leases (the upload sweep). */
  cluster: Pick<ClusterWiring, 'keys' | 'leases'>;
}

/** The name of the build-source upload URLs' SAS key in `cluster_keys` (docs/designs/several-nodes.md). */
export const UPLOAD_SAS_KEY = 'tasks.upload-sas-key';

/** Builds the task module from the platform's parts and registers its routes. */
export async function wireTasks(input: WireTasksInput): Promise<TaskModule> {
  // One key for the installation: an upload URL signed by one node works on every node and across restarts.
  const sasKey = await input.cluster.keys.ensure(UPLOAD_SAS_KEY, () => randomBytes(32).toString('base64'));
  const module = createTaskModule({
    blobs: input.blobs,
    uploadSasKey: Buffer.from(sasKey, 'base64'),
    leases: input.cluster.leases,
    db: input.db,
    dataDir: input.dataDir,
    log: input.log,
    authorizer: input.authorizer,
    endpoint: input.endpoint,
    blobBase: input.blobBase,
    executor: input.executor ?? new NoEngineExecutor(),
    clock: input.clock,
    sourcePolicy: input.sourcePolicy,
    concurrency: input.concurrency,
    cipher: input.cipher,
    runServices: input.runServices,
    agentLeaseSeconds: input.agentLeaseSeconds,
    registries: {
      async find(sub, rg, name) {
        const r = await input.registries.find(sub, rg, name);
        return r
          ? {
              id: r.id,
              name: r.name,
              location: r.location,
              resourceGroup: r.resource_group,
              loginServer: r.login_server,
              sku: r.sku,
            }
          : null;
      },
    },
    identities: {
      async createSystemAssigned(resourceId, displayName) {
        return input.principals.createManagedIdentity({ resourceId, displayName, kind: 'SystemAssigned' });
      },
      async deleteSystemAssigned(principalId) {
        await input.principals.deleteManagedIdentity(principalId);
      },
      async findUserAssigned(resourceId) {
        const row = await input.identities.byId(resourceId);
        return row ? { principalId: row.principal_id, clientId: row.client_id, tenantId: row.tenant_id } : null;
      },
    },
  });
  await input.api.register(module.plugin);
  // Deleting a registry (or its group) deletes its tasks, their system-assigned identities and its runs.
  input.onResourceDeleted.push(async (deletedId) => {
    for (const t of await module.taskStore.all()) {
      if (scopeContains(deletedId, t.id)) await module.tasks.delete(t);
    }
    const parts = deletedId.split('/');
    if (parts.length >= 2 && parts[parts.length - 2].toLowerCase() === 'registries') {
      await module.runs.deleteForRegistry(parts[parts.length - 1]);
      await module.logs.chunks.deleteForRegistry(parts[parts.length - 1]);
      await module.pools.deleteForRegistry(parts[parts.length - 1]);
    }
  });
  return module;
}
