import type { Logger } from '../shared/index.js';

interface Allocator {
  allocate(registryName: string, preferredPort?: number): Promise<unknown>;
  release(registryName: string): Promise<void>;
  has(registryName: string): boolean;
}

/** How often a node looks for registries created or deleted on other API nodes. */
export const REGISTRY_SYNC_MS = 5_000;

/**
 * With several API nodes, a registry created (or deleted) through one node must be served (or dropped) by the others:
 * each node compares the registries in the shared database with the ones it serves every few seconds and opens the
 * missing ones (port-per-registry: on the recorded port, on this node's host; by name: its host name and certificate
 * entry). Only registries this loop opened are closed by it; local creates and deletes manage their own listener.
 */
export function startRegistrySync(
  registries: { all(): Promise<Array<{ name: string; port?: number | null }>> },
  listeners: Allocator,
  log: Logger,
  intervalMs = REGISTRY_SYNC_MS,
): { stop(): Promise<void>; syncOnce(): Promise<void> } {
  const foreign = new Set<string>();
  let current: Promise<void> = Promise.resolve();
  const syncOnce = async () => {
    const rows = await registries.all();
    const live = new Set(rows.map((r) => r.name.toLowerCase()));
    for (const r of rows) {
      if (listeners.has(r.name)) continue;
      await listeners.allocate(r.name, r.port ?? undefined);
      foreign.add(r.name.toLowerCase());
      log.info({ registry: r.name }, 'serving a registry created on another node');
    }
    for (const name of [...foreign]) {
      if (live.has(name)) continue;
      foreign.delete(name);
      await listeners.release(name);
      log.info({ registry: name }, 'dropped a registry deleted on another node');
    }
  };
  const timer = setInterval(() => {
    current = current.then(syncOnce).catch((err: unknown) => log.warn({ err }, 'registry sync failed'));
  }, intervalMs);
  timer.unref();
  return {
    syncOnce,
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
