import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  FsBlobStore,
  MemoryBlobStore,
  DigestMismatchError,
  LengthMismatchError,
  UploadTooLargeError,
  UploadUnknownError,
  type BlobStore,
} from '../../src/storage/index.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const read = async (s: Readable) => {
  const c: Buffer[] = [];
  for await (const x of s) c.push(x as Buffer);
  return Buffer.concat(c);
};

const stores: Array<[string, () => { store: BlobStore; done(): void }]> = [
  ['memory', () => ({ store: new MemoryBlobStore(), done() {} })],
  [
    'fs',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'dockyard-blobs-'));
      return { store: new FsBlobStore(dir), done: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];

for (const [name, make] of stores) {
  test(`BlobStore contract (${name})`, async (t) => {
    const { store, done } = make();
    t.after(done);
    const data = Buffer.from('hello blob store contract');
    const digest = sha(data);

    await t.test('upload in chunks, commit with the right digest, read back (full and range)', async () => {
      await store.startUpload('upload0001');
      assert.equal(store.isUploadActive('upload0001'), true);
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
      assert.equal((await read((await store.get(digest, { start: 6, end: 10 }))!.stream)).toString(), 'blob ');
      assert.deepEqual(await store.listUploads(), []);
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

    await t.test('unknown uploads, committing an existing blob, list and delete', async () => {
      await assert.rejects(store.appendUpload('nosuchupload', Readable.from([Buffer.from('x')])), UploadUnknownError);
      await store.startUpload('upload0004');
      await store.appendUpload('upload0004', Readable.from([data]));
      assert.deepEqual(await store.commitUpload('upload0004', digest), { digest, size: data.length });
      const all: string[] = [];
      for await (const d of store.list()) all.push(d);
      assert.ok(all.includes(digest));
      assert.equal(await store.delete(digest), true);
      assert.equal(await store.delete(digest), false);
      assert.equal(await store.get(digest), null);
    });
  });
}
