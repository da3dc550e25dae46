import { Readable } from 'node:stream';

const CHUNK = 64 * 1024;

/**
 * PUTs a body in 64 KiB writes, reporting the bytes handed to the connection after each (`onSent`), so a progress bar
 * follows the upload rather than the packing. Goes through the process's dispatcher, so an https upload URL on
 * Dockyard's blob host is trusted and resolved as `trustLocalServer` set up. Bounded: the answer is read up to
 * 64 KiB, 10 minutes at most.
 */
export async function putWithProgress(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  onSent: (bytes: number) => void,
): Promise<{ status: number; text: string }> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < body.length; ) {
      const end = Math.min(body.length, sent + CHUNK);
      yield body.subarray(sent, end);
      sent = end;
      onSent(sent);
    }
  }
  const { request } = await import('undici'); // only when uploading: the CLI's start-up stays light
  const res = await request(url, {
    method: 'PUT',
    headers: { ...headers, 'content-length': String(body.length) },
    body: body.length ? Readable.from(chunks(), { objectMode: false }) : body,
    headersTimeout: 600_000,
    bodyTimeout: 600_000,
    signal: AbortSignal.timeout(600_000),
  });
  let text = '';
  for await (const d of res.body) {
    if (text.length < CHUNK) text += (d as Buffer).toString('utf8');
  }
  return { status: res.statusCode, text };
}
