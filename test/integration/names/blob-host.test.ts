import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { cliFor } from '../../helpers/cli.js';
import { signBlobSas } from '../../../src/tasks/blob/blob-sas.js';

// The blob host of login servers by name (engine none): `listBuildSourceUploadUrl` and `listLogSasUrl` answer Azure
// Blob SAS URLs on https://dockyard.blob.<suffix>:<port>; the subset of the Blob REST API az's storage SDK sends is
// served there, every request checked against its SAS. This process's fetch trusts the CA and resolves the suffix.
let s: TestServer;
const REG = () => `/subscriptions/${s.sub}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/blobreg`;

before(async () => {
  s = await startTestServer({ loginServerSuffix: 'blobhost.test', tlsPort: 0 } as never);
  await s.api(`/subscriptions/${s.sub}/resourcegroups/rg?api-version=2022-09-01`, {
    method: 'PUT',
    body: { location: 'eastus' },
  });
  const r = await s.api(`${REG()}?api-version=2025-04-01`, {
    method: 'PUT',
    body: { location: 'eastus', sku: { name: 'Basic' } },
  });
  assert.ok(r.status < 300, r.text);
});
after(async () => {
  await s.cleanup();
});

const uploadUrl = async (): Promise<{ uploadUrl: string; relativePath: string }> => {
  const r = await s.api(`${REG()}/listBuildSourceUploadUrl?api-version=2019-06-01-preview`, { method: 'POST' });
  assert.equal(r.status, 200, r.text);
  return r.json;
};
/** The archive an upload stored, as scheduleRun finds it (a file in the blob store). */
const stored = async (relativePath: string): Promise<string> => {
  const chunks: Buffer[] = [];
  const uploads = s.platform.tasks.uploads;
  for await (const c of await uploads.open(await uploads.locate(relativePath))) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};
const put = (url: string, body: string | Buffer, headers: Record<string, string> = { 'x-ms-blob-type': 'BlockBlob' }) =>
  fetch(url, { method: 'PUT', body, headers });

test('upload URLs are Blob SAS URLs; Put Blob, Put Block + Put Block List store the archive once', async () => {
  const port = s.platform.names!.front.port;
  const a = await uploadUrl();
  const re = new RegExp(
    `^https://dockyard\\.blob\\.blobhost\\.test:${port}/uploads/source/[A-Za-z0-9_-]+\\.tar\\.gz\\?sv=2018-11-09&sr=b&sp=cw&se=[^&]+&sig=[A-Za-z0-9_-]{43}$`,
  );
  assert.match(a.uploadUrl, re);
  assert.equal(a.uploadUrl.split('?')[0].split('/uploads/')[1], a.relativePath);

  const missing = await put(a.uploadUrl, 'x', {});
  assert.equal(missing.status, 400);
  assert.equal(missing.headers.get('x-ms-error-code'), 'MissingRequiredHeader');
  assert.match(await missing.text(), /<Error><Code>MissingRequiredHeader<\/Code>/);

  const ok = await put(a.uploadUrl, 'archive-bytes');
  assert.equal(ok.status, 201, await ok.text());
  assert.ok(ok.headers.get('etag') && ok.headers.get('last-modified') && ok.headers.get('x-ms-request-id'));
  assert.equal(await stored(a.relativePath), 'archive-bytes');
  const again = await put(a.uploadUrl, 'other');
  assert.equal(again.status, 409);
  assert.equal(again.headers.get('x-ms-error-code'), 'BlobAlreadyExists');

  const b = await uploadUrl();
  const id = (n: number) => encodeURIComponent(Buffer.from(`block-${n}`).toString('base64'));
  for (const [n, text] of [
    [1, 'second;'],
    [0, 'first;'],
  ] as const) {
    const r = await put(`${b.uploadUrl}&comp=block&blockid=${id(n)}`, text, {});
    assert.equal(r.status, 201, await r.text());
  }
  const badId = await put(`${b.uploadUrl}&comp=block&blockid=${encodeURIComponent('!!')}`, 'x', {});
  assert.equal(badId.headers.get('x-ms-error-code'), 'InvalidBlockId');
  const unknown = await put(
    `${b.uploadUrl}&comp=blocklist`,
    `<?xml version='1.0' encoding='utf-8'?><BlockList><Latest>${Buffer.from('nope').toString('base64')}</Latest></BlockList>`,
    {},
  );
  assert.equal(unknown.headers.get('x-ms-error-code'), 'InvalidBlockList');
  const list = `<?xml version='1.0' encoding='utf-8'?><BlockList>${[0, 1].map((n) => `<Latest>${Buffer.from(`block-${n}`).toString('base64')}</Latest>`).join('')}</BlockList>`;
  const committed = await put(`${b.uploadUrl}&comp=blocklist`, list, { 'content-type': 'application/xml' });
  assert.equal(committed.status, 201, await committed.text());
  assert.equal(await stored(b.relativePath), 'first;second;');
});

test('a declared oversize upload is refused before its body is read', async () => {
  const a = await uploadUrl();
  const u = new URL(a.uploadUrl);
  const status = await new Promise<number>((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: Number(u.port),
        servername: u.hostname,
        method: 'PUT',
        path: `${u.pathname}${u.search}`,
        ca: readFileSync(join(s.dataDir, 'tls', 'ca.crt')),
        headers: { host: u.host, 'x-ms-blob-type': 'BlockBlob', 'content-length': String(2 * 1024 ** 3) },
      },
      (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      },
    );
    req.on('error', reject);
    req.write('x');
  });
  assert.equal(status, 413);
});

test('the SAS is checked: signature, scope, permission and expiry', async () => {
  const a = await uploadUrl();
  const [base, query] = a.uploadUrl.split('?');
  const q = new URLSearchParams(query);
  const code = async (r: Response) => [r.status, r.headers.get('x-ms-error-code')];

  assert.deepEqual(await code(await put(base, 'x')), [403, 'AuthenticationFailed'], 'no SAS');
  const tampered = new URLSearchParams(q);
  // Change a middle character: all 6 of its bits count (the last one before '=' carries 2 ignored bits).
  const sig = q.get('sig')!;
  tampered.set('sig', `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`);
  assert.deepEqual(await code(await put(`${base}?${tampered}`, 'x')), [403, 'AuthenticationFailed'], 'signature');
  const later = new URLSearchParams(q);
  later.set('se', '2099-01-01T00:00:00Z');
  assert.deepEqual(await code(await put(`${base}?${later}`, 'x')), [403, 'AuthenticationFailed'], 'expiry is signed');
  const other = await uploadUrl();
  assert.deepEqual(
    await code(await put(`${other.uploadUrl.split('?')[0]}?${query}`, 'x')),
    [403, 'AuthenticationFailed'],
    'a SAS is for one blob',
  );

  const scope = { account: 'dockyard', container: 'uploads', blob: a.relativePath };
  const key = s.platform.tasks.uploads.sasKey;
  const expired = signBlobSas(key, scope, 'cw', new Date(Date.now() - 1000));
  const r = await put(`${base}?${expired}`, 'x');
  assert.deepEqual(await code(r), [403, 'AuthenticationFailed']);
  assert.match(await r.text(), /expiry time has passed/);
  const readOnly = signBlobSas(key, scope, 'r', new Date(Date.now() + 60_000));
  assert.deepEqual(await code(await put(`${base}?${readOnly}`, 'x')), [403, 'AuthorizationPermissionMismatch']);
  assert.deepEqual(await code(await fetch(a.uploadUrl)), [405, 'UnsupportedHttpVerb'], 'uploads cannot be read');
  assert.deepEqual(
    await code(await fetch(`${base.replace(/source\/.*$/, 'source/%E0%A4%A')}?${query}`)),
    [400, 'InvalidQueryParameterValue'],
    'a malformed escape is an error answer, not a crash',
  );
  assert.equal((await put(a.uploadUrl, 'x')).status, 201, 'the original URL still works');
});

test('run logs are an append blob on the blob host: properties, Complete metadata, ranged reads', async () => {
  const encoded = Buffer.from('version: v1.1.0\nsteps:\n  - cmd: busybox echo hi\n').toString('base64');
  const sched = await s.api(`${REG()}/scheduleRun?api-version=2019-06-01-preview`, {
    method: 'POST',
    body: { type: 'EncodedTaskRunRequest', encodedTaskContent: encoded, values: [], platform: { os: 'Linux' } },
  });
  assert.ok(sched.status < 300, sched.text);
  const runId = sched.json.runId as string;
  for (let i = 0; ; i++) {
    const r = await s.platform.tasks.runs.get('blobreg', runId);
    if (r && r.status === 'Failed') break;
    assert.ok(i < 200, `run did not finish: ${r?.status}`);
    await new Promise((res) => setTimeout(res, 50));
  }
  const sas = await s.api(`${REG()}/runs/${runId}/listLogSasUrl?api-version=2019-06-01-preview`, { method: 'POST' });
  const { logLink, logArtifactLink } = sas.json as { logLink: string; logArtifactLink?: string };
  assert.equal(logArtifactLink, undefined, 'az reads logLink with its storage SDK');
  assert.match(
    logLink,
    new RegExp(`^https://dockyard\\.blob\\.blobhost\\.test:\\d+/logs/blobreg/${runId}/rawtext\\.log\\?sv=`),
  );

  const head = await fetch(logLink, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('x-ms-blob-type'), 'AppendBlob');
  assert.equal(head.headers.get('x-ms-meta-complete'), 'failed');
  const size = Number(head.headers.get('content-length'));
  const whole = await (await fetch(logLink)).text();
  assert.equal(Buffer.byteLength(whole), size);
  assert.match(whole, /No container engine is configured/);
  assert.ok(whole.includes('\r\n') && !/[^\r]\n/.test(whole), 'CRLF line ends, as az splits on them');

  const part = await fetch(logLink, { headers: { 'x-ms-range': 'bytes=0-9' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 0-9/${size}`);
  assert.equal(await part.text(), whole.slice(0, 10));
  const beyond = await fetch(logLink, { headers: { 'x-ms-range': `bytes=${size}-${size + 10}` } });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('x-ms-error-code'), 'InvalidRange');

  const [base, query] = logLink.split('?');
  const q = new URLSearchParams(query);
  q.set('sp', 'rw');
  assert.equal((await fetch(`${base}?${q}`)).status, 403, 'permissions are signed');
  assert.equal((await fetch(`${base}?${query}`, { method: 'PUT', body: 'x' })).status, 405, 'logs are read-only');
  const upload = await uploadUrl();
  assert.equal(
    (await fetch(`${base}?${upload.uploadUrl.split('?')[1]}`)).status,
    403,
    "an upload SAS does not open a run's log",
  );
  const followed = await (await fetch(`${logLink}&follow=1`)).text();
  assert.match(followed, /No container engine is configured/, "Dockyard's CLI follows the same link");
  // The dashboard reads the same blob through the API's origin (no credentials but the SAS).
  const viaApi = await fetch(`${s.endpoint}/dockyard/v1/blob/dockyard${new URL(logLink).pathname}?${query}&follow=1`);
  assert.equal(viaApi.status, 200);
  assert.match(await viaApi.text(), /No container engine is configured/);
  assert.equal((await fetch(`${s.endpoint}/dockyard/v1/blob/dockyard${new URL(logLink).pathname}?${q}`)).status, 403);
});

test("dockyard's CLI uploads through the blob host and follows the log link (acr build, engine none)", async () => {
  const ctx = mkdtempSync(join(tmpdir(), 'dockyard-blob-ctx-'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM hello-world\n');
  try {
    const r = await cliFor(s.dataDir)('acr', 'build', '-r', 'blobreg', '-t', 'x:v1', ctx);
    assert.notEqual(r.code, 0, 'the run fails: no engine');
    assert.match(r.stderr, /Sending context/);
    assert.match(r.stdout, /No container engine is configured/, 'the log came through the blob host');
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});
