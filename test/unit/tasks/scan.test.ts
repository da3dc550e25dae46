import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  normaliseImageReference,
  parseImageReference,
  scanDockerfile,
  DockerfileScanError,
  InvalidReferenceError,
} from '../../../src/tasks/scan/index.js';

test('reference grammar and Docker Hub normalisation', () => {
  assert.deepEqual(normaliseImageReference('hello-world'), {
    registry: 'registry.hub.docker.com',
    repository: 'library/hello-world',
    tag: 'latest',
    digest: '',
    reference: 'registry.hub.docker.com/library/hello-world:latest',
  });
  assert.equal(normaliseImageReference('user/app:1.0').reference, 'registry.hub.docker.com/user/app:1.0');
  assert.equal(normaliseImageReference('myregistry.azurecr.io/a/b:v1').registry, 'myregistry.azurecr.io');
  assert.equal(normaliseImageReference('localhost:5000/app').reference, 'localhost:5000/app:latest');
  const d = 'sha256:' + 'a'.repeat(64);
  assert.deepEqual(parseImageReference(`mcr.microsoft.com/dotnet/sdk@${d}`), {
    registry: 'mcr.microsoft.com',
    repository: 'dotnet/sdk',
    tag: undefined,
    digest: d,
  });
  assert.equal(normaliseImageReference(`alpine@${d}`).tag, '');
  assert.equal(normaliseImageReference('docker.io/nginx').reference, 'registry.hub.docker.com/library/nginx:latest');
  assert.equal(normaliseImageReference('scratch').reference, 'scratch:latest');
  assert.throws(() => parseImageReference('UPPER/case'), InvalidReferenceError);
  assert.throws(() => parseImageReference('a b'), InvalidReferenceError);
  assert.throws(() => parseImageReference(''), InvalidReferenceError);
  assert.equal(
    normaliseImageReference('hello-world', { defaultRegistry: 'lib.dockyard.local' }).reference,
    'lib.dockyard.local/hello-world:latest',
  );
});

test('multi-stage Dockerfile: runtime, buildtime, ARG expansion (build args win), aliases, scratch', () => {
  const df = [
    '\uFEFF# syntax comment',
    'ARG BASE=golang',
    'ARG TAG=1.21',
    'FROM --platform=$BUILDPLATFORM ${BASE}:${TAG} AS build',
    'RUN go build',
    'FROM build AS test',
    'FROM "alpine:3.19" AS final',
    'COPY --from=build /app /app',
    'FROM scratch',
  ].join('\n');
  const r = scanDockerfile(df, { buildArgs: ['TAG=1.22'] });
  assert.equal(r.runtime!.reference, 'scratch:latest');
  assert.deepEqual(
    r.buildtime.map((x) => x.reference),
    ['registry.hub.docker.com/library/golang:1.22', 'registry.hub.docker.com/library/alpine:3.19'],
  );
  const t = scanDockerfile(df, { target: 'test' });
  assert.equal(t.runtime!.reference, 'registry.hub.docker.com/library/golang:1.21');
  assert.deepEqual(
    t.buildtime.map((x) => x.reference),
    ['registry.hub.docker.com/library/golang:1.21'],
  );
  assert.throws(() => scanDockerfile(df, { target: 'nope' }), DockerfileScanError);
});

test('a resolver decides where unqualified images come from', () => {
  const r = scanDockerfile('FROM hello-world\n', {
    resolve: (ref, p) => (p.registry ? ref : `dockyard.local:5000/library/${p.repository}${p.tag ? ':' + p.tag : ''}`),
  });
  assert.deepEqual(r.runtime, {
    registry: 'dockyard.local:5000',
    repository: 'library/hello-world',
    tag: 'latest',
    digest: '',
    reference: 'dockyard.local:5000/library/hello-world:latest',
  });
  assert.deepEqual(r.buildtime, []);
});
