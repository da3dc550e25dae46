import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { DockyardError, newSecret } from '../../shared/index.js';

/** Largest source archive (a Put Blob, or the sum of a blob's blocks). */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** Largest single block (Azure Storage's limit for the 2018-11-09 API the Azure CLI speaks). */
export const MAX_BLOCK_BYTES = 100 * 1024 * 1024;
/** Most blocks one upload may stage (the Azure CLI uses 4 MiB blocks, so 1 GiB is 256). */
export const MAX_BLOCKS = 1024;

const TOKEN = /^[A-Za-z0-9_-]{20,64}$/;

/** Counts bytes through `body` and fails it past `max`. */
function bounded(body: Readable, max: number, already = 0): Readable {
  let size = already;
  body.on('data', (c: Buffer) => {
    size += c.length;
    if (size > max) body.destroy(new DockyardError('RequestBodyTooLarge'));
  });
  return body;
}

/**
 * Source uploads for quick runs (`listBuildSourceUploadUrl`, then a Put Blob — or Put Block + Put Block List — on the
 * blob host, or a PUT on `/dockyard/v1/uploads/<token>`), kept under the data dir. Each upload URL is single-use.
 */
export class Uploads {
  /** Signs the upload URLs' SAS (blob-sas.ts); per process, so a restart voids unused upload URLs (they last an hour). */
  readonly sasKey = randomBytes(32);

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** A fresh unguessable token; the upload URL carries it. */
  allocate(): { token: string; relativePath: string } {
    const token = newSecret(24);
    return { token, relativePath: `source/${token}.tar.gz` };
  }

  /** The token of a blob name `source/<token>.tar.gz`, or undefined. */
  tokenOf(relativePath: string): string | undefined {
    const m = /^source\/([A-Za-z0-9_-]{20,64})\.tar\.gz$/.exec(relativePath);
    return m?.[1];
  }

  private finalOf(token: string): string {
    if (!TOKEN.test(token)) throw new DockyardError('InvalidParameter', 'Invalid upload token.');
    const final = join(this.dir, `${token}.tar.gz`);
    if (existsSync(final)) throw new DockyardError('BlobAlreadyExists', 'This upload URL was already used.');
    return final;
  }

  /** The whole archive in one request (Put Blob). */
  async receive(token: string, body: Readable, maxBytes = MAX_UPLOAD_BYTES): Promise<void> {
    const final = this.finalOf(token);
    const tmp = `${final}.partial`;
    try {
      await pipeline(bounded(body, maxBytes), createWriteStream(tmp, { mode: 0o600 }));
      renameSync(tmp, final);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  private blocksDir(token: string): string {
    return join(this.dir, `${token}.blocks`);
  }

  /** The stored file name of a block id (base64 of at most 64 bytes, as Azure Storage requires). */
  private blockFile(token: string, blockId: string): string {
    const raw = /^[A-Za-z0-9+/]{1,88}={0,2}$/.test(blockId) ? Buffer.from(blockId, 'base64') : Buffer.alloc(0);
    if (raw.length === 0 || raw.length > 64) throw new DockyardError('InvalidBlockId', 'The block id is invalid.');
    return join(this.blocksDir(token), raw.toString('hex'));
  }

  /** One uncommitted block (Put Block); staged until the block list commits it. */
  async receiveBlock(token: string, blockId: string, body: Readable): Promise<void> {
    this.finalOf(token);
    const dir = this.blocksDir(token);
    const file = this.blockFile(token, blockId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const staged = readdirSync(dir).filter((f) => !f.endsWith('.partial'));
    if (staged.length >= MAX_BLOCKS && !existsSync(file))
      throw new DockyardError('RequestBodyTooLarge', `An upload holds at most ${MAX_BLOCKS} blocks.`);
    const stagedBytes = staged.reduce((n, f) => (join(dir, f) === file ? n : n + statSync(join(dir, f)).size), 0);
    const tmp = `${file}.partial`;
    try {
      await pipeline(
        bounded(body, Math.min(MAX_BLOCK_BYTES, MAX_UPLOAD_BYTES - stagedBytes)),
        createWriteStream(tmp, { mode: 0o600 }),
      );
      renameSync(tmp, file);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** Put Block List: the archive is the listed blocks in order; uncommitted blocks are dropped. */
  async commitBlocks(token: string, blockIds: string[]): Promise<void> {
    const final = this.finalOf(token);
    if (blockIds.length === 0 || blockIds.length > MAX_BLOCKS)
      throw new DockyardError('InvalidBlockList', 'The block list is empty or too long.');
    const files = blockIds.map((id) => this.blockFile(token, id));
    if (files.some((f) => !existsSync(f)))
      throw new DockyardError('InvalidBlockList', 'The block list names a block that was not uploaded.');
    const tmp = `${final}.partial`;
    const out = createWriteStream(tmp, { mode: 0o600 });
    try {
      for (const f of files) await pipeline(createReadStream(f), out, { end: false });
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      renameSync(tmp, final);
    } catch (err) {
      out.destroy();
      rmSync(tmp, { force: true });
      throw err;
    } finally {
      rmSync(this.blocksDir(token), { recursive: true, force: true });
    }
  }

  /** The stored archive for a `sourceLocation` returned by allocate(). */
  pathOf(relativePath: string): string {
    const token = this.tokenOf(relativePath);
    if (!token) throw new DockyardError('InvalidParameter', `The source location '${relativePath}' is invalid.`);
    const p = join(this.dir, `${token}.tar.gz`);
    if (!existsSync(p))
      throw new DockyardError('InvalidParameter', `The source location '${relativePath}' was not uploaded.`);
    return p;
  }
}
