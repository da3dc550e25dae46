import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function tarOf(files: Record<string, Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, data] of Object.entries(files)) pack.entry({ name, size: data.length, mode: 0o644 }, data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Writes one blob into a layout's `blobs/sha256/`; returns its descriptor fields. */
export function putLayoutBlob(dir: string, b: Buffer): { digest: string; size: number } {
  const h = sha(b);
  writeFileSync(join(dir, 'blobs', 'sha256', h), b);
  return { digest: `sha256:${h}`, size: b.length };
}

/**
 * Finishes a layout whose layer blobs are written: its config (linux/amd64, the layers' `diffIds`), manifest,
 * `oci-layout` and `index.json` naming the manifest `tag`. Returns the config and manifest descriptors.
 */
export function writeLayoutManifest(
  dir: string,
  tag: string,
  layers: Array<{ mediaType: string; digest: string; size: number }>,
  diffIds: string[],
): { config: { digest: string; size: number }; manifest: { digest: string; size: number } } {
  const config = putLayoutBlob(
    dir,
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }),
    ),
  );
  const manifest = putLayoutBlob(
    dir,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers,
      }),
    ),
  );
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return { config, manifest };
}

/** Writes an OCI image layout with `layerCount` real gzip tar layers; returns its manifest digest. */
export async function writeOciLayout(
  dir: string,
  tag: string,
  layerCount: number,
  layerBytes = 64 * 1024,
): Promise<{ manifestDigest: string; blobs: string[] }> {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const layers = [];
  const diffIds = [];
  for (let i = 0; i < layerCount; i++) {
    const t = await tarOf({ [`file-${i}.bin`]: randomBytes(layerBytes) });
    diffIds.push(`sha256:${sha(t)}`);
    layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...putLayoutBlob(dir, gzipSync(t)) });
  }
  const { config, manifest } = writeLayoutManifest(dir, tag, layers, diffIds);
  return { manifestDigest: manifest.digest, blobs: [config.digest, ...layers.map((l) => l.digest)] };
}

/** Every blob file of a layout: digest → bytes hash check. */
export function layoutBlobs(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(join(dir, 'blobs', 'sha256')))
    out.set(`sha256:${f}`, readFileSync(join(dir, 'blobs', 'sha256', f)));
  return out;
}
