import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BufferPool, FsBlobStore, blobBuffers } from '../../../src/storage/index.js';
import { sendBlobRange } from '../../../src/registry/blob-send.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

test('buffer pool: sizes follow the number of transfers, buffers are reused, small blobs get small buffers', () => {
  const pool = new BufferPool(1024, 256, 2, 4);
  const a = pool.transfer();
  const b = pool.transfer();
  assert.equal(a.size, 1024);
  const c = pool.transfer(); // a third transfer while two run: the small size
  assert.equal(c.size, 256);
  const e = pool.transfer(100);
  assert.equal(e.size, 100, 'never bigger than the transfer');
  const buf = a.take();
  for (const x of [a, c, e]) x.end();
  const d = pool.transfer();
  assert.equal(pool.transfers, 2);
  assert.equal(d.take(), buf, 'a returned buffer is taken again');
  d.end();
  d.end(); // twice: no effect
  b.end();
  assert.equal(pool.transfers, 0);
});

test('buffer pool budget: beyond it a transfer holding a buffer gets none; one holding none always gets one', () => {
  const pool = new BufferPool(1024, 256, 8, 4, 2048);
  const a = pool.transfer();
  const b = pool.transfer();
  const a1 = a.take()!;
  assert.ok(a.take(), 'within the budget: a second buffer');
  assert.equal(a.take(), undefined, 'over the budget: none while the transfer holds buffers');
  assert.ok(b.take(), 'a transfer holding none gets one even over the budget');
  assert.equal(pool.lentBytes, 3072);
  a.give(a1);
  assert.equal(b.take(), undefined, 'still over the budget');
  a.end();
  assert.ok(b.take(), 'the budget freed by an ended transfer is lent again');
  b.end();
  assert.equal(pool.lentBytes, 0);
});

test('uploads through pooled buffers and downloads from them, whole and ranged; a client that leaves frees them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-buffers-'));
  const store = new FsBlobStore(dir);
  const data = randomBytes(5 * 1024 * 1024 + 321);
  await store.startUpload('bufupload1');
  const parts = [data.subarray(0, 100), data.subarray(100, 3_000_000), data.subarray(3_000_000)];
  await store.appendUpload('bufupload1', Readable.from(parts), { expectedLength: data.length });
  await store.commitUpload('bufupload1', sha(data));

  let served: Promise<boolean> | undefined;
  const server: Server = createServer((req, res) => {
    const [start, end] = (req.url ?? '').slice(1).split('-').map(Number);
    served = (async () => {
      const reader = (await store.openReader(sha(data)))!;
      try {
        res.writeHead(200, { 'content-length': String(end - start + 1) });
        return await sendBlobRange(reader, res, start, end);
      } finally {
        await reader.close();
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = (server.address() as { port: number }).port;
  const fetchRange = async (start: number, end: number) =>
    Buffer.from(await (await fetch(`http://127.0.0.1:${port}/${start}-${end}`)).arrayBuffer());

  assert.ok((await fetchRange(0, data.length - 1)).equals(data));
  assert.equal(await served, true);
  assert.ok((await fetchRange(1_048_570, 3_000_009)).equals(data.subarray(1_048_570, 3_000_010)));
  assert.equal(await served, true);
  assert.equal(blobBuffers.transfers, 0, 'every transfer ended');
  assert.equal(blobBuffers.lentBytes, 0, 'every buffer given back');

  // A client reading the first bytes and going away: the send stops and gives its buffers back.
  await new Promise<void>((resolve) => {
    get(`http://127.0.0.1:${port}/0-${data.length - 1}`, (res) => {
      res.once('data', () => {
        res.destroy();
        resolve();
      });
    });
  });
  assert.equal(await served, false);
  assert.equal(blobBuffers.transfers, 0);
  assert.equal(blobBuffers.lentBytes, 0);
});

test('40 parallel uploads, more than the budget lends: each waits for its own writes, every byte arrives', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dockyard-buffers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new FsBlobStore(dir);
  const blobs = Array.from({ length: 40 }, () => randomBytes(1536 * 1024 + 7));
  let maxLent = 0;
  await Promise.all(
    blobs.map(async (data, i) => {
      const id = `parallel${i}`;
      await store.startUpload(id);
      const chunks = (function* () {
        for (let at = 0; at < data.length; at += 65536) {
          maxLent = Math.max(maxLent, blobBuffers.lentBytes);
          yield data.subarray(at, at + 65536);
        }
      })();
      await store.appendUpload(id, Readable.from(chunks), { expectedLength: data.length });
      await store.commitUpload(id, sha(data));
    }),
  );
  for (const data of blobs) {
    const reader = (await store.openReader(sha(data)))!;
    const back = Buffer.alloc(data.length);
    for (let at = 0; at < data.length; ) {
      const n = await reader.read(back.subarray(at), data.length - at, at);
      assert.ok(n > 0);
      at += n;
    }
    await reader.close();
    assert.ok(back.equals(data));
  }
  assert.ok(maxLent <= 16 * 1024 * 1024 + 40 * 256 * 1024, `lent ${maxLent} bytes at most`);
  assert.equal(blobBuffers.lentBytes, 0);
  assert.equal(blobBuffers.transfers, 0);
});
