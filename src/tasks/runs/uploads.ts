import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { DockyardError, newSecret } from '../../shared/index.js';

/** Source uploads for quick runs (`listBuildSourceUploadUrl` + PUT), kept under the data dir. */
export class Uploads {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** A fresh unguessable token; the upload URL carries it like a SAS. */
  allocate(): { token: string; relativePath: string } {
    const token = newSecret(24);
    return { token, relativePath: `source/${token}.tar.gz` };
  }

  async receive(token: string, body: Readable, maxBytes = 1024 * 1024 * 1024): Promise<void> {
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) throw new DockyardError('InvalidParameter', 'Invalid upload token.');
    const final = join(this.dir, `${token}.tar.gz`);
    if (existsSync(final)) throw new DockyardError('Conflict', 'This upload URL was already used.');
    const tmp = `${final}.partial`;
    let size = 0;
    body.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBytes) body.destroy(new DockyardError('InvalidParameter', 'The source archive is too large.'));
    });
    try {
      await pipeline(body, createWriteStream(tmp, { mode: 0o600 }));
      renameSync(tmp, final);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
  }

  /** The stored archive for a `sourceLocation` returned by allocate(). */
  pathOf(relativePath: string): string {
    const m = /^source\/([A-Za-z0-9_-]{20,64})\.tar\.gz$/.exec(relativePath);
    if (!m) throw new DockyardError('InvalidParameter', `The source location '${relativePath}' is invalid.`);
    const p = join(this.dir, `${m[1]}.tar.gz`);
    if (!existsSync(p))
      throw new DockyardError('InvalidParameter', `The source location '${relativePath}' was not uploaded.`);
    return p;
  }
}
