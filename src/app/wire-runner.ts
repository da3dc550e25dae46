import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DockyardConfig } from '../config/index.js';
import type { Logger } from '../shared/index.js';
import type { Registries } from '../arm/index.js';
import { RESOURCES } from '../identity/index.js';
import {
  exchangeAadToken,
  loadTaskFileWithSpec,
  NULL_GUID_USER,
  scanWithAcbRules,
  TaskRunner,
  type RunExecutor,
  type RunnerDeps,
  type RunServices,
  type SourcePolicy,
} from '../tasks/index.js';
import { startEngineWithLibrary, type ContainerEngine } from '../tasks/index.js';
import type { IdentityWiring } from './wire-identity.js';

/** Which sources task runs may use: never the data dir; file:// repositories only under the listed roots, if any. */
export const sourcePolicyOf = (config: DockyardConfig): SourcePolicy => ({
  dataDir: config.dataDir,
  allowedLocalContextRoots: config.allowedLocalContextRoots,
});

export interface RunnerWiring {
  executor: RunExecutor;
  /** The same identity, Key Vault and registry-login functions, for agents' runs (served over the agent API). */
  services: RunServices;
  /** The container engine (started on first use). */
  engine(): Promise<ContainerEngine>;
  /** Starts the engine (private dockerd + offline library) in the background; runs wait for it. */
  warmUp(): void;
  close(): Promise<void>;
}

/**
 * The real task runner: a private dockerd with the offline library, identities from the identity module, registry
 * access over each registry's HTTP token endpoints (the runner is a client like any other).
 */
export function wireRunner(p: {
  config: DockyardConfig;
  log: Logger;
  registries: Registries;
  identity: IdentityWiring;
  endpoint: () => string;
  engine?: () => Promise<ContainerEngine>;
  /** A quick run's uploaded source archive (the task module's uploads, in the shared blob store). */
  openUpload: (location: string) => Promise<Readable>;
}): RunnerWiring {
  let enginePromise: Promise<ContainerEngine> | null = null;
  const libraryDigests = new Map<string, string>();
  const log = p.log.child({ module: 'runner' });
  const engine = (): Promise<ContainerEngine> => {
    if (p.engine) return p.engine();
    enginePromise ??= (async () => {
      const t0 = Date.now();
      const { engine: e, library } = await startEngineWithLibrary({
        dataDir: p.config.dataDir,
        dockerHost: p.config.dockerHost,
        userns: p.config.engineUserns,
        onLog: (line: string) => log.debug(line),
      });
      for (const l of library) libraryDigests.set(l.ref, l.manifestDigest);
      log.info(
        { ms: Date.now() - t0, images: library.map((l) => `${l.ref}${l.skipped ? '' : ' (built)'}`) },
        'container engine ready',
      );
      return e;
    })();
    enginePromise.catch((err) => {
      log.error({ err }, 'container engine failed to start');
      enginePromise = null;
    });
    return enginePromise;
  };
  const { identity, rbac } = p.identity;

  const deps: RunnerDeps = {
    engine,
    async registryByName(name) {
      const r = await p.registries.byName(name);
      return r ? { id: r.id, name: r.name, loginServer: r.login_server } : null;
    },
    apiEndpoint: p.endpoint,
    async identityToken(principal, resource, trustedService) {
      return (await identity.issueTokenForPrincipal(principal, resource, { trustedService })).accessToken;
    },
    async readSecret(principalId, url) {
      const principal = await identity.directory.getByObjectId(principalId);
      if (!principal) throw new Error(`identity ${principalId} no longer exists`);
      return p.identity.vault.getSecretAs(principal, url);
    },
    /**
     * ACR's own access to the run's registry: a service principal per registry holding AcrPush there (a real role
     * assignment), whose token is exchanged at the registry like any other.
     */
    async sourceRegistryCredential(registry) {
      const resourceId = `${registry.id}/tasksAgent`;
      let sp = await identity.directory.getByResourceId(resourceId);
      if (!sp)
        sp = await identity.directory.createPrincipal({
          type: 'ServicePrincipal',
          displayName: `ACR Tasks agent (${registry.name})`,
          resourceId,
        });
      await rbac.ensureAssignment(registry.id, 'AcrPush', sp.objectId, 'ServicePrincipal');
      const aad = (
        await identity.issueTokenForPrincipal(sp.objectId, RESOURCES.containerRegistry, { trustedService: 'tasks' })
      ).accessToken;
      return { username: NULL_GUID_USER, password: await exchangeAadToken(registry.loginServer, aad) };
    },
    async createWorkloadBinding(input) {
      const { secret } = identity.createWorkloadBinding(input);
      return { secret, endpoint: `${p.endpoint()}/msi/token` };
    },
    async revokeWorkloadBinding(secret) {
      identity.revokeWorkloadBinding(secret);
    },
    workDir: join(p.config.dataDir, 'work'),
    openUpload: p.openUpload,
    sourcePolicy: sourcePolicyOf(p.config),
    loadTaskFile: loadTaskFileWithSpec,
    scanDockerfile: scanWithAcbRules,
    knownDigest: (ref) => libraryDigests.get(ref.includes(':') ? ref : `${ref}:latest`),
  };

  return {
    executor: new TaskRunner(deps),
    services: deps,
    engine,
    warmUp() {
      if (p.config.engine === 'docker') void engine().catch(() => undefined);
    },
    async close() {
      if (enginePromise) await (await enginePromise.catch(() => null))?.close();
    },
  };
}
