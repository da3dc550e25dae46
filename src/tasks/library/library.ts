import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockyardError } from '../../shared/index.js';
import type { ContainerEngine, OnOutput, PushAuth, PushResult } from '../engine/index.js';
import {
  DEFAULT_SOURCES,
  defineImage,
  LIBRARY_IMAGES,
  type LibraryImageName,
  type LibraryImageSpec,
  type LibrarySources,
} from './definitions.js';
import { describeImage, writeImageArchive, type ImageDescriptor } from './image-archive.js';

/** Bumped when the way images are assembled changes, so every library image is rebuilt once. */
const LIBRARY_FORMAT = 1;

export interface LibraryOptions {
  /** Where layer/archive files and the fingerprint state live, e.g. `<dataDir>/library`. */
  workDir: string;
  sources?: Partial<LibrarySources>;
  /** Which images (default: all). */
  only?: LibraryImageName[];
  /** Rebuild even when the fingerprint is unchanged. */
  force?: boolean;
  onLog?: (line: string) => void;
  /** Keep each image's archive (OCI layout + docker-archive) in workDir after loading it. Default false. */
  keepArchives?: boolean;
}

export interface LibraryImageResult {
  name: LibraryImageName;
  ref: string;
  imageId: string;
  /** Manifest digest of the OCI manifest written to the archive (what a registry push of the archive would give). */
  manifestDigest: string;
  /** The archive, when kept (`keepArchives`). */
  archivePath?: string;
  skipped: boolean;
  ms: number;
}

interface StateEntry {
  fingerprint: string;
  imageId: string;
  manifestDigest: string;
  archivePath?: string;
}

const defaultProjectRoot = (): string => resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function sourcesOf(o: LibraryOptions): LibrarySources {
  return { ...DEFAULT_SOURCES, projectRoot: defaultProjectRoot(), ...o.sources };
}

const fileName = (name: string): string => name.replace(/[^a-z0-9.-]+/g, '_');

async function readState(workDir: string): Promise<Record<string, StateEntry>> {
  return JSON.parse(await readFile(join(workDir, 'state.json'), 'utf8').catch(() => '{}')) as Record<
    string,
    StateEntry
  >;
}

async function writeState(workDir: string, state: Record<string, StateEntry>): Promise<void> {
  const tmp = join(workDir, `state.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(state, null, 2));
  await rename(tmp, join(workDir, 'state.json'));
}

/** Writes one library image's archive (OCI layout + docker-archive) and returns its descriptor. */
async function materialise(
  spec: LibraryImageSpec,
  o: LibraryOptions,
): Promise<{ img: ImageDescriptor; archivePath: string; fingerprint: string; ref: string }> {
  const ref = `${spec.name}:${spec.tag}`;
  const fingerprint = `${LIBRARY_FORMAT}:${spec.layer.fingerprint()}:${JSON.stringify(spec.config)}`;
  const base = join(o.workDir, fileName(spec.name));
  const layer = await spec.layer.write(`${base}.layer.tar`);
  const img = describeImage([layer], spec.config);
  const archivePath = `${base}.image.tar`;
  await writeImageArchive(archivePath, img, [ref]);
  await rm(layer.path, { force: true });
  return { img, archivePath, fingerprint, ref };
}

/**
 * Creates (or confirms) the offline base images in the daemon: busybox, hello-world, bash, docker, dockyard/cli.
 * Idempotent: an image whose inputs (paths, sizes, mtimes, config) are unchanged and whose id is still in the
 * daemon is skipped without reading any file content.
 */
export async function ensureLibraryImages(engine: ContainerEngine, o: LibraryOptions): Promise<LibraryImageResult[]> {
  await mkdir(o.workDir, { recursive: true });
  const state = await readState(o.workDir);
  const results: LibraryImageResult[] = [];
  for (const name of o.only ?? LIBRARY_IMAGES) {
    const t0 = Date.now();
    try {
      const spec = await defineImage(name, sourcesOf(o));
      const ref = `${spec.name}:${spec.tag}`;
      const fingerprint = `${LIBRARY_FORMAT}:${spec.layer.fingerprint()}:${JSON.stringify(spec.config)}`;
      const prev = state[name];
      if (!o.force && prev && prev.fingerprint === fingerprint) {
        const info = await engine.inspectImage(ref);
        if (info.exists && info.id === prev.imageId) {
          results.push({
            name,
            ref,
            imageId: prev.imageId,
            manifestDigest: prev.manifestDigest,
            archivePath: prev.archivePath,
            skipped: true,
            ms: Date.now() - t0,
          });
          continue;
        }
      }
      o.onLog?.(`Building offline library image ${ref}...`);
      const m = await materialise(spec, o);
      await engine.loadImageArchive(m.archivePath);
      if (!o.keepArchives) await rm(m.archivePath, { force: true });
      const archivePath = o.keepArchives ? m.archivePath : undefined;
      const info = await engine.inspectImage(ref);
      if (!info.exists || info.id !== m.img.configDigest) {
        throw new DockyardError(
          'LibraryImageFailed',
          `loading ${ref} gave ${info.id ?? 'nothing'}, expected ${m.img.configDigest}`,
        );
      }
      state[name] = {
        fingerprint: m.fingerprint,
        imageId: m.img.configDigest,
        manifestDigest: m.img.manifestDigest,
        archivePath,
      };
      await writeState(o.workDir, state);
      results.push({
        name,
        ref,
        imageId: m.img.configDigest,
        manifestDigest: m.img.manifestDigest,
        archivePath,
        skipped: false,
        ms: Date.now() - t0,
      });
      o.onLog?.(`Loaded ${ref} (${m.img.configDigest.slice(7, 19)}) in ${Date.now() - t0} ms`);
    } catch (err) {
      if (err instanceof DockyardError) throw err;
      throw new DockyardError('LibraryImageFailed', `offline image ${name}: ${(err as Error).message}`, { cause: err });
    }
  }
  return results;
}

/**
 * Writes a library image as a tar that is both an OCI image layout and a docker-archive
 * (`docker load -i`, `skopeo copy oci-archive:`/`docker-archive:`). Returns the manifest digest.
 */
export async function exportLibraryImage(
  name: LibraryImageName,
  outPath: string,
  o: LibraryOptions,
): Promise<{ manifestDigest: string; imageId: string }> {
  await mkdir(o.workDir, { recursive: true });
  const m = await materialise(await defineImage(name, sourcesOf(o)), o);
  await mkdir(dirname(resolve(outPath)), { recursive: true });
  await rename(m.archivePath, outPath).catch(async () => {
    await writeFile(outPath, await readFile(m.archivePath));
    await rm(m.archivePath, { force: true });
  });
  return { manifestDigest: m.img.manifestDigest, imageId: m.img.configDigest };
}

/** Pushes a library image (already ensured in the daemon) to `target` (e.g. `127.0.0.1:5000/library/busybox:latest`). */
export async function pushLibraryImage(
  engine: ContainerEngine,
  name: LibraryImageName,
  target: string,
  auth: PushAuth | undefined,
  onOutput?: OnOutput,
): Promise<PushResult> {
  await engine.tagImage(`${name}:latest`, target);
  return engine.push({ image: target, auth, onOutput });
}
