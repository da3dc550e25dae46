// OCI image layouts for the skopeo benches: `layers` fresh random layers, each a ustar archive of one random file,
// stored uncompressed (skopeo gzips such layers on push to a registry) or gzip-compressed (as built images are).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { putLayoutBlob, writeLayoutManifest } from '../test/e2e/registry/oci-layout.js';

const MiB = 1024 * 1024;

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
  const layers = [];
  const diffIds = [];
  let total = 0;
  for (let i = 0; i < shape.layers; i++) {
    const tar = tarLayer(shape.layerMiB * MiB);
    diffIds.push(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    const stored = shape.gzip ? gzipSync(tar, { level: 1 }) : tar;
    total += stored.length;
    const mediaType = `application/vnd.oci.image.layer.v1.tar${shape.gzip ? '+gzip' : ''}`;
    layers.push({ mediaType, ...putLayoutBlob(dir, stored) });
  }
  writeLayoutManifest(dir, tag, layers, diffIds);
  return total;
}
