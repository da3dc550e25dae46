import { join } from 'node:path';
import { createDockerEngine, type DockerEngine, type EngineUserns, type StorageDriver } from '../engine/index.js';
import type { LibraryImageName } from './definitions.js';
import { ensureLibraryImages, type LibraryImageResult } from './library.js';

export interface EngineBootstrapOptions {
  /** Dockyard's data dir: the private daemon lives in `<dataDir>/docker`, the library state in `<dataDir>/library`. */
  dataDir: string;
  /** Reuse this daemon instead of starting a private one. */
  dockerHost?: string;
  storageDriver?: StorageDriver;
  /** User-namespace remapping of the private daemon (default `remap`). */
  userns?: EngineUserns;
  /** Which offline images to ensure (default all; `[]` for none). */
  library?: LibraryImageName[];
  onLog?: (line: string) => void;
}

/** What `dockyard serve` calls once: a ready engine with the offline base images present. */
export async function startEngineWithLibrary(
  o: EngineBootstrapOptions,
): Promise<{ engine: DockerEngine; library: LibraryImageResult[] }> {
  const t0 = Date.now();
  const engine = await createDockerEngine({
    dataDir: o.dataDir,
    dockerHost: o.dockerHost,
    storageDriver: o.storageDriver,
    userns: o.userns,
  });
  o.onLog?.(
    engine.dockerd
      ? `Started private dockerd (pid ${engine.dockerd.pid}, ${engine.dockerd.storageDriver}${engine.remapped ? ', userns-remap' : ''}) in ${Date.now() - t0} ms on ${engine.dockerSocketPath}`
      : `Using docker daemon at ${engine.dockerSocketPath}`,
  );
  if (engine.dockerd?.traversable?.length)
    o.onLog?.(
      `userns-remap: gave o+x to ${engine.dockerd.traversable.join(', ')} so remapped root reaches the data root`,
    );
  try {
    const library = await ensureLibraryImages(engine, {
      workDir: join(o.dataDir, 'library'),
      only: o.library,
      onLog: o.onLog,
    });
    return { engine, library };
  } catch (err) {
    await engine.close();
    throw err;
  }
}
