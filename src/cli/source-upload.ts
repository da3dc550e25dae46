import { createGzip } from 'node:zlib';
import { statSync } from 'node:fs';
import type { ApiClient } from './client.js';
import { CliError } from './errors.js';
import { trustLocalServer } from './acr-auth.js';
import { putWithProgress } from './upload-put.js';
import type { Progress } from './progress.js';

const ALWAYS_EXCLUDED = ['.git', '.gitignore', '.hg', '.svn', '.bzr'];

/**
 * Packs a local context (honouring .dockerignore; .git and friends always excluded, as az does), uploads it to the
 * registry's upload URL, and returns the `sourceLocation` for a run request.
 */
export async function uploadSource(
  client: ApiClient,
  registryId: string,
  dir: string,
  keepFile: string,
  apiVersion: string,
  info: (m: string) => void,
  progress?: Progress,
): Promise<string> {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new CliError('CliUsage', `The context '${dir}' is not a directory.`, 2);
  info('Packing source code into tar to upload...');
  const { packBuildContext } = await import('../shared/index.js'); // tar-stream and pino: only for uploads
  const ctx = await packBuildContext(dir, keepFile, true, ALWAYS_EXCLUDED);
  const chunks: Buffer[] = [];
  for await (const c of ctx.stream.pipe(createGzip())) chunks.push(c as Buffer);
  const body = Buffer.concat(chunks);
  const { uploadUrl, relativePath } = await client.request<{ uploadUrl: string; relativePath: string }>(
    `${registryId}/listBuildSourceUploadUrl`,
    { method: 'POST', query: { 'api-version': apiVersion } },
  );
  info(`Uploading archived source code from '${dir}'...`);
  const name = registryId.split('/').pop();
  info(`Sending context (${(body.length / 1024).toFixed(3)} KiB) to registry: ${name}...`);
  await trustLocalServer(uploadUrl);
  const bar = progress?.bar('Uploading context', body.length);
  const res = await putWithProgress(
    uploadUrl,
    body,
    { 'content-type': 'application/gzip', 'x-ms-blob-type': 'BlockBlob' },
    (n) => bar?.update(n),
  );
  bar?.done();
  if (res.status >= 300) throw new CliError('UploadFailed', `Uploading the source failed: ${res.status} ${res.text}`);
  return relativePath;
}
