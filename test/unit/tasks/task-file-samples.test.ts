import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { validateTaskFile, renderTaskFile } from '../../../src/tasks/spec/index.js';

const sample = (n: string) => readFileSync(new URL(`../../fixtures/tasks/samples/${n}`, import.meta.url), 'utf8');
const run = { id: 'ca1', registry: 'myregistry.azurecr.io' };
const deps = (r: ReturnType<typeof validateTaskFile>) => r.plan!.steps.map((s) => [s.id, s.dependsOn]);

test('parallel builds with dependent run, test and push', () => {
  const r = validateTaskFile({ text: sample('parallel-dependent.yaml'), run });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(deps(r), [
    ['build-app', []],
    ['build-tests', []],
    ['app', ['build-app']],
    ['tests', ['app', 'build-tests']],
    ['acb_step_4', ['tests']],
  ]);
  assert.equal(r.plan!.steps[2].cmd!.image, 'myregistry.azurecr.io/app:ca1');
  assert.equal(r.plan!.steps[2].detach, true);
  assert.deepEqual(r.plan!.roots, ['build-app', 'build-tests']);
});

test('secret volume: base64 values, mount, default version v1.0.0', () => {
  const r = renderTaskFile({ text: sample('secret-volume.yaml'), run, secrets: { token: 't0k' } });
  assert.deepEqual(r.errors, []);
  assert.equal(r.plan!.version, 'v1.0.0');
  assert.deepEqual(r.plan!.volumes, [
    {
      name: 'creds',
      secret: {
        'token.txt': Buffer.from('t0k').toString('base64'),
        'note.txt': Buffer.from('plain text').toString('base64'),
      },
    },
  ]);
  assert.deepEqual(r.plan!.steps[0].volumeMounts, [{ name: 'creds', mountPath: '/run/creds' }]);
  // validation without resolved secrets: b64enc of a missing secret is "" which is valid base64
  assert.equal(validateTaskFile({ text: sample('secret-volume.yaml'), run }).ok, true);
});

test('build/test/deploy: default sequencing after parallel roots, folded cmd', () => {
  const r = validateTaskFile({ text: sample('build-test-deploy.yaml'), run });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(deps(r), [
    ['acb_step_0', []],
    ['acb_step_1', []],
    ['web', ['acb_step_1']],
    ['func-tests', ['web']],
    ['acb_step_4', ['func-tests']],
    ['acb_step_5', ['acb_step_4']],
  ]);
  const helm = r.plan!.steps[5].cmd!;
  assert.equal(helm.image, 'myregistry.azurecr.io/helm:v3');
  assert.deepEqual(helm.args.slice(-2), ['--set', 'image=myregistry.azurecr.io/web:ca1']);
  assert.deepEqual(r.plan!.steps[4].push, ['myregistry.azurecr.io/web:ca1']);
});

test('declared default network, detach, ports, retries and delays', () => {
  const r = validateTaskFile({ text: sample('network-detach.yaml'), run });
  assert.deepEqual(r.errors, []);
  assert.equal(r.plan!.defaultNetwork, undefined);
  const [nginx, curl] = r.plan!.steps;
  assert.equal(nginx.effectiveNetwork, 'testnet');
  assert.deepEqual(nginx.ports, ['8080:80']);
  assert.equal(curl.startDelay, 2);
  assert.equal(curl.retries, 2);
  assert.equal(curl.retryDelay, 5);
  assert.equal(curl.ignoreErrors, true);
  assert.equal(curl.cmd!.image, 'curlimages/curl');
});

test('working directories, env merge, timeouts, build flags and cache', () => {
  const r = validateTaskFile({ text: sample('working-directory.yaml'), run });
  assert.deepEqual(r.errors, []);
  const s = r.plan!.steps;
  assert.equal(s[0].workingDirectory, 'src');
  assert.equal(s[1].workingDirectory, '/tmp');
  assert.equal(s[2].disableWorkingDirectoryOverride, true);
  assert.equal(s[0].timeout, 300);
  assert.equal(s[2].timeout, 30);
  assert.deepEqual(r.plan!.env, ['GREETING=hello']);
  const b = s[3].build!;
  assert.deepEqual(b.tags, ['myregistry.azurecr.io/tool:ca1']);
  assert.deepEqual(b.buildArgs, ['VERSION=1.2']);
  assert.equal(b.target, 'final');
  assert.deepEqual(b.otherFlags, ['--no-cache', '--cache-from=myregistry.azurecr.io/tool:cache']);
  assert.equal(s[3].cache, 'enabled');
});

test('sequential default and explicit ids', () => {
  const r = validateTaskFile({ text: sample('sequential-ids.yaml'), run });
  assert.deepEqual(deps(r), [
    ['step1', []],
    ['step2', ['step1']],
    ['step3', ['step2']],
    ['acb_step_3', ['step1', 'step3']],
  ]);
});
