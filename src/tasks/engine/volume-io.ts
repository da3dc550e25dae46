import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { packBuildContext } from './build-context.js';
import type { VolumeFile } from './container-engine.js';

const HELPER_REF = 'dockyard-internal/volume-helper:1';

/** A tar holding `files` (parent directories created, mode 0644 unless given). */
export function filesToTar(files: Record<string, Buffer | string | VolumeFile>): NodeJS.ReadableStream {
  const pack = tar.pack();
  const dirs = new Set<string>();
  for (const [rawName, value] of Object.entries(files)) {
    const name = rawName.replace(/^\/+/, '');
    if (!name || name.split('/').includes('..')) throw new Error(`invalid file name in volume write: ${rawName}`);
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        pack.entry({ name: d, type: 'directory', mode: 0o755 });
      }
    }
    const f: VolumeFile = Buffer.isBuffer(value) || typeof value === 'string' ? { content: value } : value;
    const content = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content);
    pack.entry({ name, size: content.length, mode: f.mode ?? 0o644 }, content);
  }
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}

/** A tar of a host directory's content, optionally below `subPath`. */
export function dirToTar(hostDir: string, subPath?: string): NodeJS.ReadableStream {
  const out = tar.pack();
  const prefix = subPath ? subPath.replace(/^\/+|\/+$/g, '') : '';
  const extract = tar.extract();
  if (prefix) {
    const parts = prefix.split('/');
    for (let i = 1; i <= parts.length; i++)
      out.entry({ name: parts.slice(0, i).join('/'), type: 'directory', mode: 0o755 });
  }
  extract.on('entry', (header, stream, next) => {
    const h = { ...header, name: prefix ? `${prefix}/${header.name}` : header.name };
    stream.pipe(out.entry(h, (err) => next(err ?? undefined)));
  });
  extract.on('finish', () => out.finalize());
  extract.on('error', (e: Error) => out.destroy(e));
  void packBuildContext(hostDir, '.dockyard-none', false).then(
    (ctx) => ctx.stream.pipe(extract),
    (e: Error) => out.destroy(e),
  );
  return Readable.from(out as unknown as AsyncIterable<Buffer>);
}

/** A one-directory image used only to host volume mounts for archive uploads (never started). */
export async function ensureHelperImage(docker: Docker): Promise<string> {
  try {
    await docker.getImage(HELPER_REF).inspect();
    return HELPER_REF;
  } catch {
    /* import it */
  }
  const pack = tar.pack();
  pack.entry({ name: 'v', type: 'directory', mode: 0o755, mtime: new Date(0) });
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  const stream = (await docker.importImage(Readable.from([Buffer.concat(chunks)]) as never, {
    repo: 'dockyard-internal/volume-helper',
    tag: '1',
  })) as NodeJS.ReadableStream;
  await new Promise<void>((res, rej) => {
    stream.on('data', () => undefined);
    stream.on('end', () => res());
    stream.on('error', rej);
  });
  return HELPER_REF;
}
