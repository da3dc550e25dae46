import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderTaskFile, validateTaskFile } from '../../../src/tasks/spec/index.js';

const fixture = (n: string) => readFileSync(new URL(`../../fixtures/tasks/valid/${n}`, import.meta.url), 'utf8');
const run = { id: 'cf31', registry: 'myregistry.azurecr.io', date: new Date(Date.UTC(2019, 4, 31, 22, 15, 50)) };

test('seed testtask.yaml plans four sequential steps with the --set registries', () => {
  const r = validateTaskFile({
    text: fixture('testtask.yaml'),
    fileName: 'testtask.yaml',
    run,
    setValues: ['REGISTRY1=customregistry1.azurecr.io', 'REGISTRY2=customregistry2.azurecr.io'],
  });
  assert.deepEqual(r.errors, []);
  const steps = r.plan!.steps;
  assert.deepEqual(
    steps.map((s) => [s.id, s.type, s.dependsOn]),
    [
      ['acb_step_0', 'build', []],
      ['acb_step_1', 'push', ['acb_step_0']],
      ['acb_step_2', 'build', ['acb_step_1']],
      ['acb_step_3', 'push', ['acb_step_2']],
    ],
  );
  assert.deepEqual(steps[0].build?.tags, ['customregistry1.azurecr.io/hello-world:cf31']);
  assert.equal(steps[0].build?.dockerfile, 'hello-world.dockerfile');
  assert.equal(steps[0].build?.context, '.');
  assert.deepEqual(steps[3].push, ['customregistry2.azurecr.io/hello-world:cf31']);
  assert.equal(steps[0].timeout, 600);
  assert.equal(steps[0].effectiveNetwork, 'acb_default_network');
  assert.equal(r.plan!.defaultNetwork, 'acb_default_network');
  assert.deepEqual(r.plan!.order, ['acb_step_0', 'acb_step_1', 'acb_step_2', 'acb_step_3']);
});

test('seed managed-identities.yaml: secret, cmd images and args, env with the resolved secret', () => {
  const r = renderTaskFile({
    text: fixture('managed-identities.yaml'),
    fileName: 'managed-identities.yaml',
    run,
    setValues: ['registryName=danlep0501'],
    secrets: { name: 'v4lue' },
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.plan!.secrets.map((s) => [s.id, s.keyvault, s.clientID]),
    [['name', 'https://acrtaskkv.vault.azure.net/secrets/SampleSecret', undefined]],
  );
  const s = r.plan!.steps;
  assert.equal(s.length, 5);
  assert.equal(s[0].cmd!.image, 'bash');
  assert.deepEqual(s[0].cmd!.args, [
    '-c',
    'if [ -z "$MY_SECRET" ]; then echo "Secret not resolved"; else echo "Secret resolved"; fi',
  ]);
  assert.deepEqual(s[0].env, ["MY_SECRET='v4lue'"]);
  assert.deepEqual(s[1].cmd!.args.slice(0, 3), ['build', '-t', 'myregistry.azurecr.io/my-website:cf31']);
  assert.deepEqual(s[2].push, ['myregistry.azurecr.io/my-website:cf31']);
  assert.equal(s[4].cmd!.image, 'microsoft/azure-cli');
  assert.ok(s[4].cmd!.args.includes('danlep0501'));
});

test('run variables, aliases, values precedence and when-parallelism', () => {
  const text = [
    'version: v1.1.0',
    'alias:',
    '  values:',
    '    repo: "{{.Run.Registry}}/app"',
    'stepTimeout: 100',
    'env: [A=task, B=task]',
    'steps:',
    '  - id: build',
    '    build: -t $repo:$ID -t $repo:{{.Values.tag}} --build-arg X={{.Values.x.y}} --target final https://github.com/a/b.git#main:src',
    '  - id: test',
    '    cmd: az version $$HOME {{.Run.Date}} {{.Run.RegistryName}}',
    '    when: ["-"]',
    '    env: [B=step]',
    '    timeout: 0',
    '  - push: [$repo:$ID, "$repo:$ID", $repo]',
    '    when: [build, test]',
  ].join('\n');
  const r = validateTaskFile({ text, run, values: 'tag: fromfile\nx:\n  y: 1\n  z: 2\n', setValues: ['tag=fromset'] });
  assert.deepEqual(r.errors, []);
  const [b, t, p] = r.plan!.steps;
  assert.deepEqual(b.build!.tags, ['myregistry.azurecr.io/app:cf31', 'myregistry.azurecr.io/app:fromset']);
  assert.deepEqual(b.build!.buildArgs, ['X=1']);
  assert.equal(b.build!.target, 'final');
  assert.deepEqual(b.build!.git, { url: 'https://github.com/a/b.git', ref: 'main', dir: 'src' });
  assert.equal(b.timeout, 100);
  assert.equal(t.cmd!.image, 'dockyard/cli');
  assert.deepEqual(t.cmd!.args, ['version', '$HOME', '20190531-221550z', 'myregistry']);
  assert.deepEqual(t.dependsOn, []);
  assert.equal(t.timeout, 100);
  assert.deepEqual(r.plan!.roots, ['build', 'test']);
  assert.deepEqual(p.dependsOn, ['build', 'test']);
  assert.deepEqual(p.push, ['myregistry.azurecr.io/app:cf31', 'myregistry.azurecr.io/app:latest']);
  assert.equal(p.id, 'acb_step_2');
});

test('unknown keys are ignored but reported as warnings with position', () => {
  const r = validateTaskFile({ text: 'version: v1.0.0\nsteps:\n  - cmd: bash\n    Timeout: 5\n    foo: bar\n' });
  assert.equal(r.ok, true);
  assert.deepEqual(
    r.warnings.map((w) => [w.line, w.column, w.message, w.hint]),
    [
      [4, 5, 'unknown step property "Timeout" is ignored', 'did you mean "timeout"?'],
      [5, 5, 'unknown step property "foo" is ignored', undefined],
    ],
  );
});
