// The two smallest registries Node can be, as the floor for bench/skopeo-floor.ts: what a skopeo push or pull costs
// when the server does nothing but the unavoidable. No auth, no database, no fsync, no limits: bench-only, loopback.
//   upload sink: answers the push protocol (HEAD 404, POST/PATCH 202 with a Location, PUT 201); hashes every body
//     (sha256, as any registry must) and writes it to a file through 1 MiB buffers, as Dockyard's fs store does.
//   layout server: serves one OCI image layout read-only (manifest by any tag, blobs by digest), 1 MiB file reads.
// With `zero`, both do no work at all (the floor of any Node server): the sink discards every body unhashed and the
// layout server answers from memory (every blob read once at start, one write per response).
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

const MiB = 1024 * 1024;

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as { port: number }).port}`)),
  );
}

/** The push protocol's answer once a body is in: 201 for a manifest or the closing PUT, else 202 with a Location. */
function answerPush(req: IncomingMessage, res: ServerResponse, id: number): void {
  if (req.url?.includes('/manifests/')) {
    res.writeHead(201, { 'docker-content-digest': `sha256:${'0'.repeat(64)}` });
  } else {
    res.writeHead(req.method === 'PUT' ? 201 : 202, { location: `/v2/floor/blobs/uploads/${id}` });
  }
  res.end();
}

/** Starts the upload sink writing under `dir`; returns its host:port and the server (close it when done). */
export async function startUploadSink(dir: string, zero = false): Promise<{ host: string; server: Server }> {
  let next = 0;
  const free: Buffer[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.statusCode = req.url === '/v2/' ? 200 : 404;
      return res.end();
    }
    if (zero) {
      const id = ++next;
      req.resume();
      return req.on('end', () => answerPush(req, res, id));
    }
    const hash = createHash('sha256');
    const id = ++next;
    const file = open(join(dir, `upload-${id}`), 'w');
    const writes: Promise<unknown>[] = [];
    let buf: Buffer | undefined;
    let fill = 0;
    let offset = 0;
    const flush = () => {
      if (!buf || fill === 0) return;
      const [b, n, at] = [buf, fill, offset];
      writes.push(file.then((fh) => fh.write(b, 0, n, at)).then(() => free.push(b)));
      offset += n;
      buf = undefined;
      fill = 0;
    };
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      for (let at = 0; at < chunk.length; ) {
        buf ??= free.pop() ?? Buffer.allocUnsafeSlow(MiB);
        const n = chunk.copy(buf, fill, at);
        fill += n;
        at += n;
        if (fill === buf.length) flush();
      }
    });
    req.on('end', () => {
      flush();
      void Promise.all(writes)
        .then(() => file)
        .then((fh) => fh.close())
        .then(() => {
          hash.digest();
          answerPush(req, res, id);
        });
    });
  });
  return { host: await listen(server), server };
}

/** Starts a read-only server of the OCI layout in `dir` (its first manifest under any tag). */
export async function startLayoutServer(dir: string, zero = false): Promise<{ host: string; server: Server }> {
  const manifest = (
    JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; mediaType: string }[] }
  ).manifests[0];
  const blobPath = (digest: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  const inMemory = new Map<string, Buffer>(
    zero ? readdirSync(join(dir, 'blobs', 'sha256')).map((h) => [h, readFileSync(blobPath(`sha256:${h}`))]) : [],
  );
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === '/v2/') return res.end('{}');
    if (/\/manifests\/[^/]+$/.test(url)) {
      const body = readFileSync(blobPath(manifest.digest));
      res.writeHead(200, {
        'content-type': manifest.mediaType,
        'content-length': body.length,
        'docker-content-digest': manifest.digest,
      });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url);
    if (!blob) {
      res.statusCode = 404;
      return res.end();
    }
    const held = inMemory.get(blob[1].slice('sha256:'.length));
    if (held) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': held.length });
      return res.end(req.method === 'HEAD' ? undefined : held);
    }
    const path = blobPath(blob[1]);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': statSync(path).size });
    if (req.method === 'HEAD') return res.end();
    createReadStream(path, { highWaterMark: MiB }).pipe(res);
  });
  return { host: await listen(server), server };
}
