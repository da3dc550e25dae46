import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repoDigestFor } from '../../../src/tasks/engine/index.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;

test("a base image's digest comes from its own repository's RepoDigest, not another repository's", () => {
  // The image `FROM hello-world` builds is the same image ID; once pushed elsewhere it carries that digest first.
  const repoDigests = [`127.0.0.1:5001/hello@${B}`, `hello-world@${A}`];
  assert.equal(repoDigestFor('hello-world', repoDigests), A);
  assert.equal(repoDigestFor('docker.io/library/hello-world:latest', repoDigests), A);
  assert.equal(repoDigestFor('127.0.0.1:5001/hello:v1', repoDigests), B);
  assert.equal(repoDigestFor('busybox', repoDigests), undefined);
  assert.equal(repoDigestFor('hello-world', undefined), undefined);
});
