import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { WrittenLayer } from './layer-builder.js';

export interface ImageConfigInput {
  env?: string[];
  cmd?: string[];
  entrypoint?: string[];
  workingDir?: string;
  labels?: Record<string, string>;
  createdBy: string;
}

export interface ImageDescriptor {
  /** The image config JSON bytes (its sha256 is the image id). */
  config: Buffer;
  configDigest: string;
  /** OCI image manifest bytes (uncompressed layers). */
  manifest: Buffer;
  manifestDigest: string;
  layers: WrittenLayer[];
}

const CREATED = '2000-01-01T00:00:00Z';
const sha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Builds the OCI config and manifest for one image made of `layers`. Deterministic for equal inputs. */
export function describeImage(layers: WrittenLayer[], c: ImageConfigInput): ImageDescriptor {
  const runConfig: Record<string, unknown> = {
    Env: c.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  };
  if (c.entrypoint) runConfig.Entrypoint = c.entrypoint;
  if (c.cmd) runConfig.Cmd = c.cmd;
  if (c.workingDir) runConfig.WorkingDir = c.workingDir;
  if (c.labels) runConfig.Labels = c.labels;
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: CREATED,
      config: runConfig,
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: [{ created: CREATED, created_by: c.createdBy }],
    }),
  );
  const configDigest = sha(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: l.diffId,
        size: l.size,
      })),
    }),
  );
  return { config, configDigest, manifest, manifestDigest: sha(manifest), layers };
}

/**
 * Writes an image tar readable both as an OCI image layout (oci-layout, index.json, blobs/) and as a
 * docker-archive (manifest.json, as `docker load` wants), sharing the same blobs.
 */
export async function writeImageArchive(outPath: string, img: ImageDescriptor, tags: string[]): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack as unknown as NodeJS.ReadableStream, createWriteStream(outPath));
  const mtime = new Date(CREATED);
  const blob = (digest: string): string => `blobs/sha256/${digest.slice(7)}`;
  pack.entry({ name: 'blobs', type: 'directory', mode: 0o755, mtime });
  pack.entry({ name: 'blobs/sha256', type: 'directory', mode: 0o755, mtime });
  for (const l of img.layers) {
    await new Promise<void>((res, rej) => {
      const w = pack.entry({ name: blob(l.diffId), size: l.size, mode: 0o644, mtime }, (err) =>
        err ? rej(err) : res(),
      );
      createReadStream(l.path)
        .on('error', rej)
        .pipe(w as unknown as NodeJS.WritableStream);
    });
  }
  const add = (name: string, body: Buffer | string): void => {
    const b = Buffer.from(body);
    pack.entry({ name, size: b.length, mode: 0o644, mtime }, b);
  };
  add(blob(img.configDigest), img.config);
  add(blob(img.manifestDigest), img.manifest);
  add('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  add(
    'index.json',
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: tags.map((t) => ({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: img.manifestDigest,
        size: img.manifest.length,
        annotations: {
          'io.containerd.image.name': t,
          'org.opencontainers.image.ref.name': t.slice(t.lastIndexOf(':') + 1),
        },
      })),
    }),
  );
  add(
    'manifest.json',
    JSON.stringify([{ Config: blob(img.configDigest), RepoTags: tags, Layers: img.layers.map((l) => blob(l.diffId)) }]),
  );
  pack.finalize();
  await done;
}
