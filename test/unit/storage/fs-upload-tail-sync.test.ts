import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore, UploadTooLargeError } from '../../../src/storage/index.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Files under `root` this process holds open (from /proc/self/fd). */
function openFilesUnder(root: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(root) ? [target] : [];
    } catch {
      return []; // closed between the listing and the readlink
    }
  });
}

test('an append flushes its tail in the background: a commit right after it is whole, and no file stays open', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dockyard-tail-sync-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new FsBlobStore(root);
  const parts = [randomBytes(9 * 1024 * 1024 + 17), randomBytes(3 * 1024 * 1024 + 5)]; // past the 8 MiB writeback
  const whole = Buffer.concat(parts);
  await store.startUpload('upload-tail-1');
  for (const part of parts) await store.appendUpload('upload-tail-1', Readable.from([part]));
  const info = await store.commitUpload('upload-tail-1', sha(whole));
  assert.equal(info.size, whole.length);
  assert.deepEqual(openFilesUnder(root), [], 'the commit waited for every append’s background sync and close');
  const blob = readdirSync(join(root, 'blobs', 'sha256', sha(whole).slice(7, 9)));
  assert.deepEqual(blob, [sha(whole).slice(7)]);
  assert.ok(readFileSync(join(root, 'blobs', 'sha256', sha(whole).slice(7, 9), blob[0])).equals(whole));
  assert.equal(await store.uploadState('upload-tail-1'), null, 'the upload file became the blob');
});

test('a failed append keeps the bytes before it; the upload still commits and leaves no file open', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dockyard-tail-sync-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new FsBlobStore(root);
  const first = randomBytes(1024 * 1024);
  await store.startUpload('upload-tail-2');
  await store.appendUpload('upload-tail-2', Readable.from([first]));
  await assert.rejects(
    store.appendUpload('upload-tail-2', Readable.from([randomBytes(2 * 1024 * 1024)]), { maxSize: 2 * 1024 * 1024 }),
    UploadTooLargeError,
  );
  assert.equal((await store.uploadState('upload-tail-2'))?.size, first.length, 'truncated back to the first append');
  await store.commitUpload('upload-tail-2', sha(first));
  assert.deepEqual(openFilesUnder(root), []);
});

test('many quick appends to one upload never hold more than one file open in the background', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dockyard-tail-sync-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new FsBlobStore(root);
  const parts = Array.from({ length: 60 }, () => randomBytes(4096));
  await store.startUpload('upload-tail-3');
  let most = 0;
  for (const part of parts) {
    await store.appendUpload('upload-tail-3', Readable.from([part]));
    most = Math.max(most, openFilesUnder(join(root, 'uploads')).length);
  }
  assert.ok(most <= 1, `at most one background sync per upload (saw ${most} files open)`);
  await store.commitUpload('upload-tail-3', sha(Buffer.concat(parts)));
  assert.deepEqual(openFilesUnder(root), []);
});
