import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { DockyardError, newSecret, type Clock } from '../../shared/index.js';
import { UploadTooLargeError, type BlobStore, type SqlDatabase } from '../../storage/index.js';
import type { TaskTables } from '../resources/tables.js';

/** Largest source archive (a Put Blob, or the sum of a blob's blocks). */
export const MAX_UPLOAD_BYTES = 1024 * 1024 * 1024;
/** Largest single block (Azure Storage's limit for the 2018-11-09 API the Azure CLI speaks). */
export const MAX_BLOCK_BYTES = 100 * 1024 * 1024;
/** Most blocks one upload may stage (the Azure CLI uses 4 MiB blocks, so 1 GiB is 256). */
export const MAX_BLOCKS = 1024;
/** Directory of the archives and staged blocks in the blob store: `run-sources/<token>/<attempt>/…`. */
export const SOURCE_DIR = 'run-sources';
/** An expired upload is removed this long after its expiry (a run scheduled just before it has time to be stored). */
export const SWEEP_GRACE_MS = 10 * 60 * 1000;

const TOKEN = /^[A-Za-z0-9_-]{20,64}$/;
const ACTIVE = ['Queued', 'Started', 'Running'];

/** `body`, failed past `max` bytes (read only as the consumer reads: nothing flows before the store pulls). */
function bounded(body: Readable, max: number): Readable {
  return Readable.from(
    (async function* () {
      let size = 0;
      for await (const c of body as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > max) throw new DockyardError('RequestBodyTooLarge');
        yield c;
      }
    })(),
    { objectMode: false },
  );
}

const tooLarge = (err: unknown): never => {
  throw err instanceof UploadTooLargeError ? new DockyardError('RequestBodyTooLarge') : err;
};

/** The stored name of a block id (base64 of at most 64 bytes, as Azure Storage requires): its bytes in hex. */
function blockKey(blockId: string): string {
  const raw = /^[A-Za-z0-9+/]{1,88}={0,2}$/.test(blockId) ? Buffer.from(blockId, 'base64') : Buffer.alloc(0);
  if (raw.length === 0 || raw.length > 64) throw new DockyardError('InvalidBlockId', 'The block id is invalid.');
  return raw.toString('hex');
}

/**
 * Source uploads for quick runs (`listBuildSourceUploadUrl`, then a Put Blob — or Put Block + Put Block List — on the
 * blob host, or a PUT on `/dockyard/v1/uploads/<token>`), shared by every API node: the archive and the staged blocks
 * are files in the blob store, the single-use token and the block bookkeeping are rows in the database. Every write
 * goes to its own new file (`run-sources/<token>/<attempt>/…`) and becomes the upload's only when one conditional
 * update records it (`file is null`): a second or concurrent write of the same URL, on any node, is refused and its
 * file removed; a failed write leaves nothing behind.
 */
export class Uploads {
  private readonly db: Kysely<TaskTables>;

  constructor(
    db: SqlDatabase,
    private readonly blobs: BlobStore,
    /** Signs the upload URLs' SAS (blob-sas.ts): installation-wide (shared keys), so any node verifies them. */
    readonly sasKey: Buffer,
    private readonly clock: Clock,
  ) {
    this.db = db as Kysely<TaskTables>;
  }

  /** A fresh unguessable token valid for `ttlMs`; the upload URL carries it. */
  async allocate(ttlMs: number): Promise<{ token: string; relativePath: string; expiresAt: Date }> {
    const token = newSecret(24);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + ttlMs);
    await this.db
      .insertInto('run_source_uploads')
      .values({
        token,
        created_at: now.toISOString(),
        expires_at: expiresAt.toISOString(),
        file: null,
        size: null,
        committed_at: null,
      })
      .execute();
    return { token, relativePath: `source/${token}.tar.gz`, expiresAt };
  }

  /** The token of a blob name `source/<token>.tar.gz`, or undefined. */
  tokenOf(relativePath: string): string | undefined {
    const m = /^source\/([A-Za-z0-9_-]{20,64})\.tar\.gz$/.exec(relativePath);
    return m?.[1];
  }

  /** The upload's row if it can still be written: allocated, not expired, not written yet. */
  private async writable(token: string): Promise<void> {
    if (!TOKEN.test(token)) throw new DockyardError('InvalidParameter', 'Invalid upload token.');
    const row = await this.db
      .selectFrom('run_source_uploads')
      .select(['expires_at', 'file'])
      .where('token', '=', token)
      .executeTakeFirst();
    if (!row) throw new DockyardError('BlobNotFound', 'The upload URL is unknown: request a new one.');
    if (row.file) throw new DockyardError('BlobAlreadyExists', 'This upload URL was already used.');
    if (row.expires_at < this.clock.now().toISOString())
      throw new DockyardError('SasAuthenticationFailed', 'The upload URL expired: request a new one.');
  }

  private attemptDir(token: string): string {
    return `${SOURCE_DIR}/${token}/${randomBytes(8).toString('hex')}`;
  }

  /** Makes `file` the upload's archive unless another write won; the loser's file is removed. */
  private async settle(token: string, dir: string, file: string, size: number): Promise<void> {
    const r = await this.db
      .updateTable('run_source_uploads')
      .set({ file, size, committed_at: this.clock.now().toISOString() })
      .where('token', '=', token)
      .where('file', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) return;
    await this.blobs.deleteFiles(dir);
    throw new DockyardError('BlobAlreadyExists', 'This upload URL was already used.');
  }

  /** The whole archive in one request (Put Blob). */
  async receive(token: string, body: Readable, maxBytes = MAX_UPLOAD_BYTES): Promise<void> {
    await this.writable(token);
    const dir = this.attemptDir(token);
    const file = `${dir}/source.tar.gz`;
    const size = await this.blobs.putFile(file, bounded(body, maxBytes), { maxSize: maxBytes }).catch(tooLarge);
    await this.settle(token, dir, file, size);
  }

  /** One uncommitted block (Put Block); staged until the block list commits it. A block staged again replaces it. */
  async receiveBlock(token: string, blockId: string, body: Readable): Promise<void> {
    await this.writable(token);
    const key = blockKey(blockId);
    const staged = await this.db
      .selectFrom('run_source_blocks')
      .select(['block_id', 'file', 'size'])
      .where('token', '=', token)
      .execute();
    const previous = staged.find((b) => b.block_id === key);
    if (staged.length >= MAX_BLOCKS && !previous)
      throw new DockyardError('RequestBodyTooLarge', `An upload holds at most ${MAX_BLOCKS} blocks.`);
    const stagedBytes = staged.reduce((n, b) => (b.block_id === key ? n : n + Number(b.size)), 0);
    const max = Math.min(MAX_BLOCK_BYTES, MAX_UPLOAD_BYTES - stagedBytes);
    const dir = this.attemptDir(token);
    const file = `${dir}/block`;
    const size = await this.blobs.putFile(file, bounded(body, max), { maxSize: max }).catch(tooLarge);
    const row = { token, block_id: key, file, size, staged_at: this.clock.now().toISOString() };
    await this.db
      .insertInto('run_source_blocks')
      .values(row)
      .onConflict((oc) => oc.columns(['token', 'block_id']).doUpdateSet({ file, size, staged_at: row.staged_at }))
      .execute();
    if (previous) await this.blobs.deleteFiles(previous.file.replace(/\/block$/, ''));
  }

  /** Put Block List: the archive is the listed blocks in order; uncommitted blocks are dropped. */
  async commitBlocks(token: string, blockIds: string[]): Promise<void> {
    await this.writable(token);
    if (blockIds.length === 0 || blockIds.length > MAX_BLOCKS)
      throw new DockyardError('InvalidBlockList', 'The block list is empty or too long.');
    const keys = blockIds.map(blockKey);
    const staged = new Map(
      (
        await this.db
          .selectFrom('run_source_blocks')
          .select(['block_id', 'file', 'size'])
          .where('token', '=', token)
          .execute()
      ).map((b) => [b.block_id, b]),
    );
    const listed = keys.map((k) => staged.get(k));
    if (listed.some((b) => !b))
      throw new DockyardError('InvalidBlockList', 'The block list names a block that was not uploaded.');
    if (listed.reduce((n, b) => n + Number(b!.size), 0) > MAX_UPLOAD_BYTES)
      throw new DockyardError('RequestBodyTooLarge');
    const blobs = this.blobs;
    const joined = Readable.from(
      (async function* () {
        for (const b of listed) {
          const f = await blobs.getFile(b!.file);
          if (!f) throw new DockyardError('InvalidBlockList', 'A block of the list is no longer staged.');
          yield* f.stream;
        }
      })(),
    );
    const dir = this.attemptDir(token);
    const file = `${dir}/source.tar.gz`;
    const size = await this.blobs.putFile(file, joined, { maxSize: MAX_UPLOAD_BYTES }).catch(tooLarge);
    await this.settle(token, dir, file, size);
    // The blocks are spent (the sweep removes whatever this misses).
    await this.db.deleteFrom('run_source_blocks').where('token', '=', token).execute();
    for (const b of staged.values()) await this.blobs.deleteFiles(b.file.replace(/\/block$/, '')).catch(() => 0);
  }

  /**
   * The archive of a `sourceLocation` returned by allocate() (scheduleRun): its name in the blob store, which the run
   * request keeps. Refused once the upload URL expired (the sweep removes the archive a little later).
   */
  async locate(relativePath: string): Promise<string> {
    const token = this.tokenOf(relativePath);
    if (!token) throw new DockyardError('InvalidParameter', `The source location '${relativePath}' is invalid.`);
    const row = await this.db
      .selectFrom('run_source_uploads')
      .select(['file', 'expires_at'])
      .where('token', '=', token)
      .executeTakeFirst();
    if (!row?.file)
      throw new DockyardError('InvalidParameter', `The source location '${relativePath}' was not uploaded.`);
    if (row.expires_at < this.clock.now().toISOString())
      throw new DockyardError('InvalidParameter', `The source location '${relativePath}' expired: upload it again.`);
    return row.file;
  }

  /**
   * Reads a run's uploaded archive: a blob-store name (this version), or an absolute path under the data dir (runs
   * queued by an older version, readable on the node that received them).
   */
  async open(location: string): Promise<Readable> {
    if (isAbsolute(location)) {
      if (!existsSync(location))
        throw new Error('the uploaded source is not on this node (uploaded before an upgrade)');
      return createReadStream(location);
    }
    const f = await this.blobs.getFile(location);
    if (!f) throw new Error('the uploaded source no longer exists');
    return f.stream;
  }

  /**
   * Removes uploads whose URL expired at least SWEEP_GRACE_MS ago — never used, or already read by their run — with
   * their archive and staged blocks; an upload a queued or running run still names is kept until that run ends.
   * Returns how many were removed. One node at a time (the task module runs it under a lease).
   */
  async sweep(limit = 500): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - SWEEP_GRACE_MS).toISOString();
    const expired = await this.db
      .selectFrom('run_source_uploads')
      .select('token')
      .where('expires_at', '<', cutoff)
      .orderBy('expires_at')
      .limit(limit)
      .execute();
    let removed = 0;
    for (const { token } of expired) {
      const inUse = await this.db
        .selectFrom('runs')
        .select('run_id')
        .where('status', 'in', ACTIVE)
        .where('request', 'like', `%${SOURCE_DIR}/${token}/%`)
        .executeTakeFirst();
      if (inUse) continue;
      await this.blobs.deleteFiles(`${SOURCE_DIR}/${token}`);
      await this.db.deleteFrom('run_source_blocks').where('token', '=', token).execute();
      await this.db.deleteFrom('run_source_uploads').where('token', '=', token).execute();
      removed++;
    }
    // Blocks a Put Block stored after its upload was removed (a write that outlived the sweep).
    const strays = await this.db
      .selectFrom('run_source_blocks')
      .select(['token', 'file'])
      .where('staged_at', '<', cutoff)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('run_source_uploads as u').select('u.token').whereRef('u.token', '=', 'run_source_blocks.token'),
          ),
        ),
      )
      .limit(limit)
      .execute();
    for (const b of strays) {
      await this.blobs.deleteFiles(`${SOURCE_DIR}/${b.token}`);
      await this.db.deleteFrom('run_source_blocks').where('token', '=', b.token).execute();
    }
    return removed;
  }
}
