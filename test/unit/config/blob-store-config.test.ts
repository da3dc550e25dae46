import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/index.js';
import { maskSecrets } from '../../../src/shared/index.js';

const base = { dataDir: '/nonexistent/dockyard-blob-config-test' };

test('blobStore: fs by default; azure needs a connection string (env), which is masked from then on', () => {
  const d = loadConfig({ env: {}, flags: base });
  assert.equal(d.blobStore, 'fs');
  assert.equal(d.blobContainer, 'dockyard');
  assert.throws(() => loadConfig({ env: { DOCKYARD_BLOB_STORE: 'azure' }, flags: base }), /connection string/);
  const key = 'c2VjcmV0LWFjY291bnQta2V5LWZvci1jb25maWctdGVzdA==';
  const cs = `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${key};BlobEndpoint=http://127.0.0.1:1/acct;`;
  const a = loadConfig({
    env: { DOCKYARD_BLOB_STORE: 'azure', DOCKYARD_BLOB_CONNECTION_STRING: cs },
    flags: { ...base, blobContainer: 'my-blobs' },
  });
  assert.equal(a.blobStore, 'azure');
  assert.equal(a.blobConnectionString, cs);
  assert.equal(a.blobContainer, 'my-blobs');
  assert.ok(!maskSecrets(`failed with ${cs}`).includes(key));
  assert.ok(!maskSecrets(`key=${key}`).includes(key));
  assert.throws(() => loadConfig({ env: {}, flags: { ...base, blobContainer: 'Bad_Name' } }), /blobContainer/);
  assert.throws(() => loadConfig({ env: {}, flags: { ...base, blobStore: 's3' } }), /blobStore/);
});
