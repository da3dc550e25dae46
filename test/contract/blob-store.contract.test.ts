import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  loadAzureBlobStore,
  FsBlobStore,
  MemoryBlobStore,
  DigestMismatchError,
  LengthMismatchError,
  UploadTooLargeError,
  UploadUnknownError,
  type BlobStore,
} from '../../src/storage/index.js';
import { startAzurite } from '../helpers/azurite.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const read = async (s: Readable) => {
  const c: Buffer[] = [];
  for await (const x of s) c.push(x as Buffer);
  return Buffer.concat(c);
};

interface Made {
  store: BlobStore;
  /** Another store on the same backing storage (another node), when the kind can be shared. */
  peer?: (activeWindowMs?: number) => Promise<BlobStore>;
  done(): Promise<void> | void;
}

const stores: Array<[string, () => Promise<Made>]> = [
  ['memory', async () => ({ store: new MemoryBlobStore(), done() {} })],
  [
    'fs',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dockyard-blobs-'));
      return {
        store: new FsBlobStore(dir),
        peer: async (activeWindowMs?: number) => new FsBlobStore(dir, activeWindowMs),
        done: () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  ],
  [
    'azure',
    async () => {
      const az = await startAzurite();
      const AzureBlobStore = await loadAzureBlobStore();
      const container = `c${randomUUID().replace(/-/g, '').slice(0, 20)}`;
      const open = (activeWindowMs?: number) =>
        AzureBlobStore.open({ connectionString: az.connectionString, container, activeWindowMs });
      return { store: await open(), peer: open, done() {} };
    },
  ],
];

after(async () => (await startAzurite()).stop());

for (const [name, make] of stores) {
  test(`BlobStore contract (${name})`, { timeout: 180_000 }, async (t) => {
    const { store, peer, done } = await make();
    t.after(done);
    const data = Buffer.from('hello blob store contract');
    const digest = sha(data);

    await t.test('upload in chunks, commit with the right digest, read back (full and range)', async () => {
      await store.startUpload('upload0001');
      assert.equal(await store.isUploadActive('upload0001'), true);
      await store.appendUpload('upload0001', Readable.from([data.subarray(0, 5)]));
      const st = await store.appendUpload('upload0001', Readable.from([data.subarray(5)]), {
        expectedLength: data.length - 5,
      });
      assert.equal(st.size, data.length);
      assert.equal(await store.stat(digest), null, 'not visible before commit');
      const info = await store.commitUpload('upload0001', digest);
      assert.deepEqual(info, { digest, size: data.length });
      assert.deepEqual(await store.stat(digest), { digest, size: data.length });
      assert.ok((await read((await store.get(digest))!.stream)).equals(data));
      const ranged = (await store.get(digest, { start: 6, end: 10 }))!;
      assert.equal(ranged.info.size, data.length);
      assert.equal((await read(ranged.stream)).toString(), 'blob ');
      assert.deepEqual(await store.listUploads(), []);
      assert.equal(await store.isUploadActive('upload0001'), false);
    });

    await t.test('digest mismatch stores nothing', async () => {
      await store.startUpload('upload0002');
      await store.appendUpload('upload0002', Readable.from([Buffer.from('abc')]));
      await assert.rejects(store.commitUpload('upload0002', sha(Buffer.from('abd'))), DigestMismatchError);
      assert.equal(await store.stat(sha(Buffer.from('abc'))), null);
      assert.equal(await store.stat(sha(Buffer.from('abd'))), null);
      await store.abortUpload('upload0002');
      assert.equal(await store.uploadState('upload0002'), null);
    });

    await t.test('length and size limits roll the upload back', async () => {
      await store.startUpload('upload0003');
      await store.appendUpload('upload0003', Readable.from([Buffer.from('12345')]));
      await assert.rejects(
        store.appendUpload('upload0003', Readable.from([Buffer.from('678')]), { expectedLength: 5 }),
        LengthMismatchError,
      );
      assert.equal((await store.uploadState('upload0003'))!.size, 5);
      await assert.rejects(
        store.appendUpload('upload0003', Readable.from([Buffer.from('6789')]), { maxSize: 8 }),
        UploadTooLargeError,
      );
      assert.equal((await store.uploadState('upload0003'))!.size, 5);
      const c = await store.commitUpload('upload0003', sha(Buffer.from('12345')));
      assert.equal(c.size, 5);
    });

    await t.test(
      'big appends (past the background writeback step) commit whole; a failing one rolls back',
      async () => {
        const big = Buffer.alloc(20 * 1024 * 1024);
        for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
        const chunks = (b: Buffer) =>
          Readable.from(Array.from({ length: b.length / 65536 }, (_, i) => b.subarray(i * 65536, (i + 1) * 65536)));
        await store.startUpload('upload0009');
        await store.appendUpload('upload0009', chunks(big.subarray(0, 2 * 1024 * 1024)));
        await assert.rejects(
          store.appendUpload('upload0009', chunks(big.subarray(2 * 1024 * 1024)), { maxSize: 14 * 1024 * 1024 }),
          UploadTooLargeError,
        );
        assert.equal((await store.uploadState('upload0009'))!.size, 2 * 1024 * 1024);
        await store.appendUpload('upload0009', chunks(big.subarray(2 * 1024 * 1024)));
        const c = await store.commitUpload('upload0009', sha(big));
        assert.equal(c.size, big.length);
        const got = await store.get(sha(big));
        const parts: Buffer[] = [];
        for await (const p of got!.stream) parts.push(p as Buffer);
        assert.ok(Buffer.concat(parts).equals(big));
      },
    );

    await t.test('unknown uploads, committing an existing blob, list and delete', async () => {
      await assert.rejects(store.appendUpload('nosuchupload', Readable.from([Buffer.from('x')])), UploadUnknownError);
      await assert.rejects(store.commitUpload('nosuchupload', digest), UploadUnknownError);
      assert.equal(await store.uploadState('nosuchupload'), null);
      assert.equal(await store.isUploadActive('nosuchupload'), false);
      await store.startUpload('upload0004');
      await store.appendUpload('upload0004', Readable.from([data]));
      assert.deepEqual(await store.commitUpload('upload0004', digest), { digest, size: data.length });
      const all: string[] = [];
      for await (const d of store.list()) all.push(d);
      assert.ok(all.includes(digest));
      assert.equal(await store.delete(digest), true);
      assert.equal(await store.delete(digest), false);
      assert.equal(await store.get(digest), null);
      assert.equal(await store.stat(digest), null);
    });

    await t.test('an empty blob', async () => {
      await store.startUpload('upload0005');
      const empty = Buffer.alloc(0);
      assert.deepEqual(await store.commitUpload('upload0005', sha(empty)), { digest: sha(empty), size: 0 });
      assert.equal((await read((await store.get(sha(empty)))!.stream)).length, 0);
    });

    await t.test(
      'a multi-block upload (20 MiB in uneven chunks) streams in and out, ranges across blocks',
      async () => {
        const big = randomBytes(20 * 1024 * 1024 + 123);
        await store.startUpload('upload0006');
        const cut = 9 * 1024 * 1024 + 7;
        const chunks = (b: Buffer) =>
          Readable.from([b.subarray(0, 1000), b.subarray(1000, 5_000_000), b.subarray(5_000_000)]);
        await store.appendUpload('upload0006', chunks(big.subarray(0, cut)));
        await store.appendUpload('upload0006', chunks(big.subarray(cut)), { expectedLength: big.length - cut });
        const d = sha(big);
        assert.deepEqual(await store.commitUpload('upload0006', d), { digest: d, size: big.length });
        assert.ok((await read((await store.get(d))!.stream)).equals(big));
        const s = 8 * 1024 * 1024 - 10;
        const part = await read((await store.get(d, { start: s, end: s + 99 }))!.stream);
        assert.ok(part.equals(big.subarray(s, s + 100)));
        if (store.openReader) {
          // Random access (files, memory): what big downloads read from, into reused buffers.
          const r = (await store.openReader(d))!;
          assert.deepEqual(r.info, { digest: d, size: big.length });
          const buf = Buffer.alloc(1000);
          assert.equal(await r.read(buf, 100, s), 100);
          assert.ok(buf.subarray(0, 100).equals(big.subarray(s, s + 100)));
          assert.equal(await r.read(buf, 1000, big.length - 10), 10, 'a read stops at the end');
          assert.equal(await r.read(buf, 1000, big.length), 0);
          await r.close();
          assert.equal(await store.openReader(sha(Buffer.from('absent'))), null);
        }
      },
    );

    await t.test(
      'named files: whole or nothing, read back, deleted by directory, invisible to blobs and uploads',
      async () => {
        const big = randomBytes(9 * 1024 * 1024 + 5);
        assert.equal(
          await store.putFile('run-sources/tok1/a.tar.gz', Readable.from([big.subarray(0, 10), big.subarray(10)])),
          big.length,
        );
        const got = (await store.getFile('run-sources/tok1/a.tar.gz'))!;
        assert.equal(got.size, big.length);
        assert.ok((await read(got.stream)).equals(big));
        assert.equal(await store.putFile('run-sources/tok1/blocks/b1', Readable.from([Buffer.alloc(0)])), 0);
        assert.equal((await read((await store.getFile('run-sources/tok1/blocks/b1'))!.stream)).length, 0);
        // Past maxSize: no file, and an existing file keeps its content.
        await assert.rejects(
          store.putFile('run-sources/tok1/c', Readable.from([Buffer.from('12345')]), { maxSize: 4 }),
          UploadTooLargeError,
        );
        assert.equal(await store.getFile('run-sources/tok1/c'), null);
        await assert.rejects(
          store.putFile('run-sources/tok1/a.tar.gz', Readable.from([Buffer.from('12345')]), { maxSize: 4 }),
          UploadTooLargeError,
        );
        const kept = (await store.getFile('run-sources/tok1/a.tar.gz'))!;
        assert.equal(kept.size, big.length);
        kept.stream.destroy();
        // A broken stream: nothing either.
        const broken = new Readable({
          read() {
            this.push(Buffer.from('part'));
            this.destroy(new Error('client gone'));
          },
        });
        await assert.rejects(store.putFile('run-sources/tok1/d', broken), /client gone/);
        assert.equal(await store.getFile('run-sources/tok1/d'), null);
        await store.putFile('run-sources/tok2/x', Readable.from([Buffer.from('x')]));
        assert.deepEqual(await store.listUploads(), []);
        for await (const d of store.list()) assert.notEqual(d, sha(big));
        assert.equal(await store.deleteFiles('run-sources/tok1'), 2);
        assert.equal(await store.getFile('run-sources/tok1/a.tar.gz'), null);
        assert.equal(await store.deleteFiles('run-sources/tok1'), 0);
        assert.equal(
          (await read((await store.getFile('run-sources/tok2/x'))!.stream)).toString(),
          'x',
          'another dir stays',
        );
        await assert.rejects(store.putFile('../escape', Readable.from([Buffer.from('x')])), /invalid file name/);
        await assert.rejects(store.getFile('a/../../b'), /invalid file name/);
        await assert.rejects(store.getFile('a/.hidden'), /invalid file name/);
        // Upload tokens are base64url: a segment may start with '-' or '_'.
        await store.putFile('run-sources/-tok_/_x', Readable.from([Buffer.from('dash')]));
        assert.equal((await read((await store.getFile('run-sources/-tok_/_x'))!.stream)).toString(), 'dash');
        assert.equal(await store.deleteFiles('run-sources/-tok_'), 1);
        if (peer) {
          const other = await peer();
          assert.equal((await read((await other.getFile('run-sources/tok2/x'))!.stream)).toString(), 'x');
        }
      },
    );
    if (peer) {
      await t.test('another node continues, inspects and commits an upload started here', async () => {
        const other = await peer();
        const body = randomBytes(300_000);
        await store.startUpload('shared0001');
        await store.appendUpload('shared0001', Readable.from([body.subarray(0, 100_000)]));
        assert.deepEqual(await other.uploadState('shared0001'), { id: 'shared0001', size: 100_000 });
        assert.equal(await other.isUploadActive('shared0001'), true, 'recently touched elsewhere = active');
        assert.ok((await other.listUploads()).includes('shared0001'));
        await other.appendUpload('shared0001', Readable.from([body.subarray(100_000, 200_000)]));
        await store.appendUpload('shared0001', Readable.from([body.subarray(200_000)]));
        // Committed on the node that did not write the last chunk: it re-reads what it did not hash.
        await assert.rejects(other.commitUpload('shared0001', sha(Buffer.from('x'))), DigestMismatchError);
        assert.deepEqual(await other.commitUpload('shared0001', sha(body)), { digest: sha(body), size: body.length });
        assert.ok((await read((await store.get(sha(body)))!.stream)).equals(body));
        assert.equal(await store.uploadState('shared0001'), null);
        await assert.rejects(store.commitUpload('shared0001', sha(body)), UploadUnknownError);
      });

      await t.test('an upload untouched for the activity window is inactive on every node', async () => {
        await store.startUpload('idle00001');
        assert.equal(await store.isUploadActive('idle00001'), true);
        // A node whose activity window is 0 sees the same upload as abandoned (what GC sees after the window).
        const strict = await peer(0);
        await new Promise((r) => setTimeout(r, 5));
        assert.equal(await strict.isUploadActive('idle00001'), false);
        assert.ok((await strict.listUploads()).includes('idle00001'));
        await strict.abortUpload('idle00001');
        assert.equal(await store.uploadState('idle00001'), null);
      });
    }
  });
}
