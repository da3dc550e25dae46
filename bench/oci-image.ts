// OCI image layouts for the skopeo benches: `layers` fresh random layers, each a ustar archive of one random file,
// stored uncompressed (skopeo gzips such layers on push to a registry) or gzip-compressed (as built images are).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const MiB = 1024 * 1024;
const sha256hex = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A ustar archive holding one file of random bytes (a valid, uncompressed OCI layer). */
export function tarLayer(size: number): Buffer {
  const header = Buffer.alloc(512);
  const field = (off: number, len: number, s: string) => header.write(s, off, len, 'ascii');
  field(0, 100, 'data.bin');
  field(100, 8, '0000644\0');
  field(108, 8, '0000000\0');
  field(116, 8, '0000000\0');
  field(124, 12, `${size.toString(8).padStart(11, '0')}\0`);
  field(136, 12, `${'0'.padStart(11, '0')}\0`);
  field(148, 8, '        ');
  field(156, 1, '0');
  field(257, 8, 'ustar\x0000');
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const pad = (512 - (size % 512)) % 512;
  return Buffer.concat([header, randomBytes(size), Buffer.alloc(pad + 1024)]);
}

export interface ImageShape {
  layers: number;
  layerMiB: number;
  /** Store the layers gzip-compressed (`tar+gzip`, level 1: random bytes do not shrink). */
  gzip: boolean;
}

/** Writes an OCI layout with fresh random layers to `dir` (tag `tag`); returns its total layer bytes. */
export function writeImage(dir: string, tag: string, shape: ImageShape): number {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Buffer) => {
    const h = sha256hex(b);
    writeFileSync(join(dir, 'blobs', 'sha256', h), b);
    return { digest: `sha256:${h}`, size: b.length };
  };
  const layers = [];
  const diffIds = [];
  let total = 0;
  for (let i = 0; i < shape.layers; i++) {
    const tar = tarLayer(shape.layerMiB * MiB);
    diffIds.push(`sha256:${sha256hex(tar)}`);
    const stored = shape.gzip ? gzipSync(tar, { level: 1 }) : tar;
    total += stored.length;
    const mediaType = `application/vnd.oci.image.layer.v1.tar${shape.gzip ? '+gzip' : ''}`;
    layers.push({ mediaType, ...put(stored) });
  }
  const config = put(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } }),
    ),
  );
  const m = put(
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
          ...m,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  return total;
}
