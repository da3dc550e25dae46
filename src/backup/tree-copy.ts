import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DockyardError, hashingTap } from '../shared/index.js';

export interface CopyResult {
  files: number;
  bytes: number;
  /** `sha256:<hex>` of every content-addressed blob copied (`blobs/sha256/<ab>/<hex>`), each verified. */
  digests: Set<string>;
}

const BLOB_PATH = /^blobs\/sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

/**
 * Copies a directory tree (regular files and directories only; symlinks and special files are skipped) into a new
 * one: files 0600, directories 0700. A blob at `blobs/sha256/<ab>/<hex>` is hashed while it is copied and must hash
 * to its name, so a damaged blob stops the copy instead of being carried into a backup or a restored data dir. A file
 * that disappears while the tree is walked (GC removing an unreferenced blob, a finished upload) is skipped.
 * `base` is the root the relative blob paths are measured from.
 */
export async function copyTree(from: string, to: string, base = from): Promise<CopyResult> {
  const result: CopyResult = { files: 0, bytes: 0, digests: new Set() };
  await walk(from, to, base, result);
  return result;
}

async function walk(from: string, to: string, base: string, result: CopyResult): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  let entries;
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const src = join(from, e.name);
    const dst = join(to, e.name);
    if (e.isDirectory()) await walk(src, dst, base, result);
    else if (e.isFile()) await copyFile(src, dst, relative(base, src).split(sep).join('/'), result);
  }
}

async function copyFile(src: string, dst: string, rel: string, result: CopyResult): Promise<void> {
  const blob = BLOB_PATH.exec(rel);
  if (blob && blob[2].slice(0, 2) !== blob[1])
    throw new DockyardError('CliBackup', `${src} is not where its name says it belongs`);
  const tap = hashingTap();
  try {
    await pipeline(createReadStream(src), tap.stream, createWriteStream(dst, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await rm(dst, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (err as NodeJS.ErrnoException).path === src) return;
    throw err;
  }
  if (blob) {
    const actual = tap.hex();
    if (actual !== blob[2])
      throw new DockyardError('CliBackup', `blob ${src} is damaged: its content hashes to sha256:${actual}`);
    result.digests.add(`sha256:${actual}`);
  }
  result.files += 1;
  result.bytes += tap.size;
}
