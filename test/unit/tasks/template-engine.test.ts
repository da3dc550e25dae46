import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate, goFunc } from '../../../src/tasks/template/index.js';
import { DockyardError } from '../../../src/shared/index.js';

const data = { Run: { ID: 'cf31' }, Values: { REGISTRY1: 'r1.azurecr.io', n: 3 } };
const render = (t: string, d: unknown = data) => renderTemplate(t, d, { name: 'task.yaml' });

function errorOf(fn: () => unknown): DockyardError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DockyardError);
    return e;
  }
  assert.fail('expected an error');
}

test('renders run variables and values like ACR (missing values vanish)', () => {
  assert.equal(render('-t {{.Values.REGISTRY1}}/hello-world:{{.Run.ID}} .'), '-t r1.azurecr.io/hello-world:cf31 .');
  assert.equal(render('[{{ .Values.nothing }}]'), '[]');
  assert.equal(render('{{ range $i, $v := list "a" "b" }}{{ $i }}{{ $v }}{{ end }}'), '0a1b');
  assert.equal(render('{{ range 3 }}{{ . }}{{ end }}'), '012');
});

test('unknown function: TemplateError naming line and column', () => {
  const e = errorOf(() => render('version: v1.1.0\nsteps:\n  - cmd: {{ foo }}'));
  assert.equal(e.code, 'TemplateError');
  assert.equal(e.message, 'template: task.yaml:3:13: function "foo" not defined');
  assert.deepEqual(e.detail, { line: 3, column: 13, phase: 'parse' });
});

test('unclosed action and execution errors carry positions', () => {
  const e1 = errorOf(() => render('a\n{{ .Run.ID'));
  assert.match(e1.message, /^template: task.yaml:2:\d+: unclosed action/);
  const e2 = errorOf(() => render('x\n  {{ upper 5 }}'));
  assert.match(e2.message, /^template: task.yaml:2:\d+: executing "task.yaml" at <5>: expected string; found 5/);
  assert.equal((e2.detail as { line: number }).line, 2);
});

test('rendering is bounded: endless recursion and huge loops stop with TemplateError', () => {
  const e1 = errorOf(() => render('{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" . }}'));
  assert.match(e1.message, /maximum template depth|step budget|Maximum call stack/);
  const e2 = errorOf(() =>
    renderTemplate(
      '{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}',
      {},
      { name: 't', timeoutMs: 200 },
    ),
  );
  assert.match(e2.message, /budget|exceeds/);
});

test('custom functions can be added', () => {
  const out = renderTemplate(
    '{{ shout "hi" }}',
    {},
    { name: 't', funcs: { shout: goFunc(['string'], (s: string) => s.toUpperCase() + '!') } },
  );
  assert.equal(out, 'HI!');
});

test('printf follows Go verbs', () => {
  assert.equal(
    render('{{ printf "%05d|%-5s|%q|%x|%t|%v|%.2f" 42 "ab" "x" 255 true .Values.n 2.675 }}'),
    '00042|ab   |"x"|ff|true|3|2.67',
  );
  assert.equal(render('{{ printf "%d" "s" }}'), '%!d(string=s)');
});
